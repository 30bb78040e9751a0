#include "plugin/host/system_accounts.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

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
