#include "plugin/host/system_accounts.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "smtp/text.hpp"

namespace odmr {

namespace {

// Large enough for the entries of any ordinary system; getpwnam_r reports
// ERANGE for a larger one, which counts as not found.
constexpr std::size_t entry_buffer_size = 16384;

}  // namespace

std::optional<UserIds> find_user(const std::string& name) {
    std::vector<char> buffer(entry_buffer_size);
    passwd entry{};
    passwd* result = nullptr;
    if (getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &result) != 0 || result == nullptr) {
        return std::nullopt;
    }
    return UserIds{result->pw_uid, result->pw_gid};
}

std::optional<gid_t> find_group(const std::string& name) {
    std::vector<char> buffer(entry_buffer_size);
    group entry{};
    group* result = nullptr;
    if (getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &result) != 0 || result == nullptr) {
        return std::nullopt;
    }
    return result->gr_gid;
}

std::string user_name(uid_t uid) {
    std::vector<char> buffer(entry_buffer_size);
    passwd entry{};
    passwd* result = nullptr;
    if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &result) != 0 || result == nullptr) {
        return std::to_string(uid);
    }
    return result->pw_name;
}

std::string group_name(gid_t gid) {
    std::vector<char> buffer(entry_buffer_size);
    group entry{};
    group* result = nullptr;
    if (getgrgid_r(gid, &entry, buffer.data(), buffer.size(), &result) != 0 || result == nullptr) {
        return std::to_string(gid);
    }
    return result->gr_name;
}

namespace {

std::vector<gid_t> groups_of_user(const std::string& name, gid_t primary) {
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (getgrouplist(name.c_str(), primary, groups.data(), &count) < 0) {
        groups.resize(static_cast<std::size_t>(count));
        if (getgrouplist(name.c_str(), primary, groups.data(), &count) < 0) return {primary};
    }
    groups.resize(static_cast<std::size_t>(count));
    return groups;
}

// The permission bit that applies to the user: owner, group or others.
bool user_has(const struct stat& status, const UserIds& ids, const std::vector<gid_t>& groups, mode_t owner_bit,
              mode_t group_bit, mode_t other_bit) {
    if (status.st_uid == ids.uid) return (status.st_mode & owner_bit) != 0;
    if (std::find(groups.begin(), groups.end(), status.st_gid) != groups.end()) return (status.st_mode & group_bit) != 0;
    return (status.st_mode & other_bit) != 0;
}

}  // namespace

std::optional<std::string> read_problem_for_user(const std::string& path, const std::string& name, const UserIds& ids) {
    if (ids.uid == 0) return std::nullopt;
    const std::vector<gid_t> groups = groups_of_user(name, ids.gid);

    struct stat status{};
    if (stat(path.c_str(), &status) < 0) return concat(path, " cannot be read: ", std::strerror(errno));
    if (!user_has(status, ids, groups, S_IRUSR, S_IRGRP, S_IROTH)) {
        return concat(name, " cannot read ", path, ", which is owned by ", user_name(status.st_uid), ":",
                      group_name(status.st_gid), " with mode ", octal_mode(status.st_mode), "; as root, run: chgrp ",
                      group_name(ids.gid), " ", path, " && chmod g+r ", path);
    }

    // Every directory above the file must let the user through.
    for (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0; slash = path.rfind('/', slash - 1)) {
        const std::string directory = path.substr(0, slash);
        if (stat(directory.c_str(), &status) < 0) break;
        if (!user_has(status, ids, groups, S_IXUSR, S_IXGRP, S_IXOTH)) {
            return concat(name, " cannot enter the directory ", directory, ", which is owned by ",
                          user_name(status.st_uid), ":", group_name(status.st_gid), " with mode ",
                          octal_mode(status.st_mode), ", to read ", path, "; as root, run: chmod o+x ", directory);
        }
    }
    return std::nullopt;
}

bool process_in_group(gid_t gid) {
    if (getegid() == gid) return true;

    const int count = getgroups(0, nullptr);
    if (count <= 0) return false;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    const int filled = getgroups(count, groups.data());
    if (filled < 0) return false;
    groups.resize(static_cast<std::size_t>(filled));
    return std::find(groups.begin(), groups.end(), gid) != groups.end();
}

}  // namespace odmr
