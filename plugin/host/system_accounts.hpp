// Looking up users and groups in the system's databases (getpwnam_r,
// getgrnam_r and their by-id forms), for the user a daemon runs as and
// the group its sockets belong to.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace odmr {

struct UserIds {
    uid_t uid;
    gid_t gid;  // the primary group
};

// The user's ids, or nothing when no such user exists.
std::optional<UserIds> find_user(const std::string& name);

// The group's id, or nothing when no such group exists.
std::optional<gid_t> find_group(const std::string& name);

// The name of a user or group id, or the number when it has none.
std::string user_name(uid_t uid);
std::string group_name(gid_t gid);

// True when the process has the group as its effective or a
// supplementary group.
bool process_in_group(gid_t gid);

// Describes why the named user cannot read the file, judged by the
// permission bits of the file and of the directories above it. Returns
// nothing when the user can read it.
// NOTE: access control lists and mount options are not looked at.
std::optional<std::string> read_problem_for_user(const std::string& path, const std::string& name, const UserIds& ids);

}  // namespace odmr
