// The bridge directory holds the per-domain sockets and lock files. odmrd's
// user creates them, and Postfix's lmtp client, which runs as Postfix's
// mail_owner, connects to the sockets through bridge_socket_group.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>

namespace odmr {

struct BridgeDirectoryOwner {
    std::optional<uid_t> user;   // odmrd's user setting; empty keeps the starting user
    std::string user_name;       // for messages: the user setting, or the starting user's name
    std::optional<gid_t> group;  // bridge_socket_group; empty leaves the group alone
    std::string group_name;
};

// The owner writes sockets and lock files, and the group only enters the
// directory to connect. Set-group-ID gives each new socket the directory's
// group, so the sockets get Postfix's group even when odmrd's user is not a
// member of it.
constexpr mode_t bridge_directory_mode_with_group = 02750;
constexpr mode_t bridge_directory_mode_without_group = 0750;

// As root, creates the directory (and missing parents, mode 0755), or gives
// an existing one the owner, group and mode above. Otherwise creates it
// when missing and checks it. Throws std::runtime_error with a message that
// names the directory, its owner and mode, and the command that fixes it.
void prepare_bridge_directory(const std::string& path, const BridgeDirectoryOwner& owner);

// For --check-config: the problem that would stop an unprivileged odmrd
// from using the existing directory, in the words of
// prepare_bridge_directory, or nothing. As root there is none, because the
// start fixes the directory.
std::optional<std::string> bridge_directory_problem(const std::string& path, const BridgeDirectoryOwner& owner);

// The problem with an existing directory for a process that is not root,
// from its status and what the process may do, or nothing.
std::optional<std::string> bridge_directory_problem(const std::string& path, const struct stat& status,
                                                    bool writable, bool in_group, const BridgeDirectoryOwner& owner);

}  // namespace odmr
