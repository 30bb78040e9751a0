// A private directory for one test, removed afterwards unless
// ODMR_KEEP_TEST_DIRECTORIES is set (handy when a test fails).
#pragma once

#include <string>

namespace odmr::test {

class TempDirectory {
public:
    explicit TempDirectory(const std::string& prefix = "odmr-test");
    ~TempDirectory();
    TempDirectory(const TempDirectory&) = delete;
    TempDirectory& operator=(const TempDirectory&) = delete;

    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// Writes text to a file, replacing it, with the given permission bits.
void write_file(const std::string& path, const std::string& text, unsigned mode = 0644);
std::string read_file(const std::string& path);
void make_directory(const std::string& path, unsigned mode = 0755);

// Lets a group read a private file: gives the file to the group with mode
// 0640 and lets others through every directory above it, as a daemon that
// drops root to a user of that group needs.
void share_with_group(const std::string& path, unsigned group);

}  // namespace odmr::test
