#include "plugin/odmrd/bridge_paths.hpp"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "smtp/text.hpp"

namespace odmr {

std::string bridge_socket_path(const std::string& directory, const std::string& domain) {
    const std::string direct = directory + "/" + domain;
    if (direct.size() < sizeof(sockaddr_un{}.sun_path)) return direct;

    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(domain.data()), domain.size(), digest);
    static const char hex[] = "0123456789abcdef";
    std::string name = "h-";
    for (int i = 0; i < 16; ++i) {
        name += hex[digest[i] >> 4];
        name += hex[digest[i] & 15];
    }
    return directory + "/" + name;
}

std::string transport_map_line(const std::string& directory, const std::string& domain) {
    return concat(domain, "\todmr:unix:", bridge_socket_path(directory, domain));
}

std::string transport_map_lines(const std::string& directory, const std::string& domain) {
    return concat(transport_map_line(directory, domain), "\n.", transport_map_line(directory, domain), "\n");
}

DomainLock::~DomainLock() {
    if (fd_ >= 0) close(fd_);
}

std::optional<std::vector<DomainLock>> DomainLock::acquire_all(const std::string& directory,
                                                               const std::set<std::string>& domains,
                                                               std::string& busy_domain) {
    std::vector<DomainLock> locks;
    for (const auto& domain : domains) {
        const std::string path = bridge_socket_path(directory, domain) + ".lock";
        const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) throw std::runtime_error(concat("cannot open the lock file ", path, ": ", std::strerror(errno)));

        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            const int error = errno;
            close(fd);
            if (error != EWOULDBLOCK) {
                throw std::runtime_error(concat("cannot lock ", path, ": ", std::strerror(error)));
            }
            busy_domain = domain;
            return std::nullopt;  // the locks taken so far are released by the vector
        }
        locks.push_back(DomainLock(fd, domain));
    }
    return locks;
}

}  // namespace odmr
