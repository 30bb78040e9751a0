#include "shim/private_file.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "smtp/table_file.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

// The user's name, or "uid N" when the password database has none.
std::string user_name(uid_t uid) {
    passwd entry{};
    passwd* found = nullptr;
    char buffer[1024];
    if (getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr) return found->pw_name;
    return concat("uid ", uid);
}

}  // namespace

void check_private_file(const std::string& path, mode_t forbidden, const std::string& fix) {
    struct stat status{};
    if (stat(path.c_str(), &status) < 0) {
        throw ConfigError(path, 0, concat("cannot read the file: ", std::strerror(errno)));
    }
    if ((status.st_mode & forbidden) != 0) {
        throw ConfigError(path, 0, concat("the file contains passwords but other users may read or change it (mode ",
                                          octal_mode(status.st_mode), "); ", fix));
    }
}

void check_readable(const std::string& path, const std::string& description) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return;
    }

    // Other errors, such as a missing file, are reported by the reader.
    const int error = errno;
    struct stat status{};
    if (error != EACCES || stat(path.c_str(), &status) < 0) return;

    const std::string user = user_name(geteuid());
    throw ConfigError(path, 0, concat("cannot read ", description, ": ", std::strerror(error), "; it is owned by ",
                                      user_name(status.st_uid), " with mode ", octal_mode(status.st_mode),
                                      ", and odmr-fetch runs as ", user, "; run chown ", user, " ", path));
}

}  // namespace odmr
