#include "tests/harness/temp_directory.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace odmr::test {

TempDirectory::TempDirectory(const std::string& prefix) {
    std::string pattern = "/tmp/" + prefix + "-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    }
    path_ = pattern;
    // Postfix refuses instance directories that other users cannot enter.
    chmod(path_.c_str(), 0755);
}

TempDirectory::~TempDirectory() {
    if (std::getenv("ODMR_KEEP_TEST_DIRECTORIES") != nullptr) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::string& path, const std::string& text, unsigned mode) {
    {
        std::ofstream output(path, std::ios::binary | std::ios::trunc);
        if (!output) throw std::runtime_error("cannot write " + path);
        output << text;
    }
    chmod(path.c_str(), mode);
}

std::string read_file(const std::string& path) {
    std::ifstream input(path, std::ios::binary);
    if (!input) return {};
    std::ostringstream text;
    text << input.rdbuf();
    return text.str();
}

void make_directory(const std::string& path, unsigned mode) {
    std::filesystem::create_directories(path);
    chmod(path.c_str(), mode);
}

void share_with_group(const std::string& path, unsigned group) {
    if (chown(path.c_str(), static_cast<uid_t>(-1), static_cast<gid_t>(group)) < 0 || chmod(path.c_str(), 0640) < 0) {
        throw std::runtime_error("cannot give " + path + " to group " + std::to_string(group) + ": " + std::strerror(errno));
    }

    for (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0; slash = path.rfind('/', slash - 1)) {
        const std::string directory = path.substr(0, slash);
        struct stat status{};
        if (stat(directory.c_str(), &status) == 0 && (status.st_mode & S_IXOTH) == 0) {
            chmod(directory.c_str(), (status.st_mode & 07777) | S_IXOTH);
        }
    }
}

}  // namespace odmr::test
