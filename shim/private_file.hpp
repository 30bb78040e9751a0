// Checks of the files that hold passwords: who may read them, and whether
// odmr-fetch itself can.
#pragma once

#include <sys/stat.h>

#include <string>

namespace odmr {

// Throws ConfigError when the file cannot be found or its mode has a bit of
// `forbidden`; `fix` ends that message.
void check_private_file(const std::string& path, mode_t forbidden, const std::string& fix);

// Throws ConfigError when this process may not open the file for reading,
// naming the file's owner and mode and the chown that lets odmr-fetch's
// user read it.
void check_readable(const std::string& path, const std::string& description);

}  // namespace odmr
