// A private directory (mkdtemp) for unit tests that read real files, removed
// with everything in it when the test ends, also when it fails.
#pragma once

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace odmr::test {

class PrivateDirectory {
public:
    PrivateDirectory() {
        std::string pattern = (std::filesystem::temp_directory_path() / "odmr-unit-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
        }
        path_ = pattern;
    }

    ~PrivateDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    PrivateDirectory(const PrivateDirectory&) = delete;
    PrivateDirectory& operator=(const PrivateDirectory&) = delete;

    const std::string& path() const { return path_; }

    // Writes a file in the directory with the given permission bits and
    // returns its path.
    std::string write(const std::string& name, const std::string& text, mode_t mode = 0600) const {
        const std::string file = path_ + "/" + name;
        {
            std::ofstream output(file, std::ios::binary | std::ios::trunc);
            output << text;
            if (!output) throw std::runtime_error("cannot write " + file);
        }
        if (chmod(file.c_str(), mode) < 0) throw std::runtime_error("cannot chmod " + file);
        return file;
    }

private:
    std::string path_;
};

}  // namespace odmr::test
