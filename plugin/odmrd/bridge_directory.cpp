#include "plugin/odmrd/bridge_directory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "plugin/host/system_accounts.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

mode_t required_mode(const BridgeDirectoryOwner& owner) {
    return owner.group ? bridge_directory_mode_with_group : bridge_directory_mode_without_group;
}

// The commands an admin runs as root to make the directory right.
std::string fix_commands(const std::string& path, const BridgeDirectoryOwner& owner) {
    const std::string owner_text = owner.group ? concat(owner.user_name, ":", owner.group_name) : owner.user_name;
    return concat("as root, run: chown ", owner_text, " ", path, " && chmod ", octal_mode(required_mode(owner), false),
                  " ", path);
}

std::string describe(const std::string& path, const struct stat& status) {
    return concat("the bridge directory ", path, " is owned by ", user_name(status.st_uid), ":",
                  group_name(status.st_gid), " with mode ", octal_mode(status.st_mode));
}

// Creates the directory and its missing parents, the parents with mode
// 0755 as install -d makes them.
void make_directories(const std::string& path, const BridgeDirectoryOwner& owner) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
        const std::string parent = path.substr(0, slash);
        if (mkdir(parent.c_str(), 0755) == 0) {
            chmod(parent.c_str(), 0755);  // whatever the umask
        } else if (errno != EEXIST) {
            break;  // the mkdir below reports it
        }
    }
    // 0700 until the owner and mode are set, so no one else can enter it
    // in between.
    if (mkdir(path.c_str(), 0700) < 0 && errno != EEXIST) {
        const std::string owner_text = owner.group ? concat(" -g ", owner.group_name) : "";
        throw std::runtime_error(concat("cannot create the bridge directory ", path, ": ", std::strerror(errno),
                                        "; as root, run: install -d -o ", owner.user_name, owner_text, " -m ",
                                        octal_mode(required_mode(owner), false), " ", path));
    }
}

// Gives the directory its owner, group and mode through a descriptor, so
// that a symbolic link put in its place is not followed.
void set_owner_and_mode(const std::string& path, const BridgeDirectoryOwner& owner) {
    const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        throw std::runtime_error(concat("cannot open the bridge directory ", path, ": ", std::strerror(errno),
                                        "; bridge_directory must name a directory, not a file or a symbolic link"));
    }

    const uid_t user = owner.user.value_or(static_cast<uid_t>(-1));
    const gid_t group = owner.group.value_or(static_cast<gid_t>(-1));
    if (fchown(fd, user, group) < 0 || fchmod(fd, required_mode(owner)) < 0) {
        const int error = errno;
        close(fd);
        throw std::runtime_error(concat("cannot set the owner and mode of the bridge directory ", path, ": ",
                                        std::strerror(error), "; ", fix_commands(path, owner)));
    }
    close(fd);
}

}  // namespace

std::optional<std::string> bridge_directory_problem(const std::string& path, const struct stat& status,
                                                    bool writable, bool in_group, const BridgeDirectoryOwner& owner) {
    if (!S_ISDIR(status.st_mode)) {
        return concat(path, " is not a directory; set bridge_directory to a directory for odmrd's sockets");
    }

    std::string reason;
    if (!writable) {
        reason = concat("odmrd runs as ", owner.user_name, ", who cannot create sockets and lock files in it");
    } else if (owner.group && status.st_gid != *owner.group) {
        reason = concat("its group is not bridge_socket_group ", owner.group_name,
                        ", so Postfix's lmtp client cannot reach the sockets");
    } else if (owner.group && (status.st_mode & S_IXGRP) == 0) {
        reason = concat("its group ", owner.group_name, " may not enter it, so Postfix's lmtp client cannot reach the sockets");
    } else if (owner.group && !in_group && (status.st_mode & S_ISGID) == 0) {
        reason = concat(owner.user_name, " is not in the group ", owner.group_name,
                        " and the directory lacks the set-group-ID bit, so the sockets cannot be given to that group");
    }
    if (reason.empty()) return std::nullopt;
    return concat(describe(path, status), ", and ", reason, "; ", fix_commands(path, owner));
}

std::optional<std::string> bridge_directory_problem(const std::string& path, const BridgeDirectoryOwner& owner) {
    if (geteuid() == 0) return std::nullopt;

    struct stat status{};
    if (stat(path.c_str(), &status) < 0) return std::nullopt;  // created at the start, which reports a failure
    const bool writable = access(path.c_str(), W_OK | X_OK) == 0;
    return bridge_directory_problem(path, status, writable, owner.group && process_in_group(*owner.group), owner);
}

void prepare_bridge_directory(const std::string& path, const BridgeDirectoryOwner& owner) {
    struct stat status{};
    const bool exists = lstat(path.c_str(), &status) == 0;

    if (geteuid() == 0) {
        if (!exists) make_directories(path, owner);
        set_owner_and_mode(path, owner);
        return;
    }

    if (!exists) {
        make_directories(path, owner);
        // Not root: the group can only be one this user belongs to.
        set_owner_and_mode(path, BridgeDirectoryOwner{std::nullopt, owner.user_name, owner.group, owner.group_name});
        return;
    }
    if (const auto problem = bridge_directory_problem(path, owner)) throw std::runtime_error(*problem);
}

}  // namespace odmr
