#include "plugin/host/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "smtp/text.hpp"

namespace odmr {

namespace {

constexpr std::size_t max_error_output = 4096;
constexpr std::size_t max_output_line = 1024 * 1024;

struct Pipe {
    int read_end = -1;
    int write_end = -1;
    Pipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0) throw std::runtime_error(concat("pipe failed: ", std::strerror(errno)));
        read_end = fds[0];
        write_end = fds[1];
    }
    ~Pipe() {
        if (read_end >= 0) close(read_end);
        if (write_end >= 0) close(write_end);
    }
    void close_write() {
        close(write_end);
        write_end = -1;
    }
};

pid_t spawn(const std::vector<std::string>& argv, Pipe& output, Pipe& errors) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, output.write_end, 1);
    posix_spawn_file_actions_adddup2(&actions, errors.write_end, 2);

    std::vector<char*> arguments;
    for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
    arguments.push_back(nullptr);
    char path_variable[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    char* environment[] = {path_variable, nullptr};

    pid_t pid = -1;
    const int status = posix_spawn(&pid, argv.front().c_str(), &actions, nullptr, arguments.data(), environment);
    posix_spawn_file_actions_destroy(&actions);
    if (status != 0) throw std::runtime_error(concat("cannot run ", argv.front(), ": ", std::strerror(status)));
    return pid;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, Deadline deadline,
                          const std::function<void(std::string_view)>& on_line) {
    Pipe output;
    Pipe errors;
    const pid_t pid = spawn(argv, output, errors);
    output.close_write();
    errors.close_write();

    ProcessResult result;
    std::string pending;
    bool output_open = true;
    bool errors_open = true;
    while (output_open || errors_open) {
        pollfd entries[2] = {{output_open ? output.read_end : -1, POLLIN, 0},
                             {errors_open ? errors.read_end : -1, POLLIN, 0}};
        const int ready = poll(entries, 2, deadline.poll_timeout());
        if (ready == 0) {
            result.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        if (ready < 0 && errno == EINTR) continue;

        char buffer[16384];
        if (entries[0].revents != 0) {
            const ssize_t count = read(output.read_end, buffer, sizeof buffer);
            if (count <= 0) {
                output_open = false;
            } else {
                pending.append(buffer, static_cast<std::size_t>(count));
                std::size_t start = 0;
                for (auto newline = pending.find('\n'); newline != std::string::npos; newline = pending.find('\n', start)) {
                    on_line(std::string_view(pending).substr(start, newline - start));
                    start = newline + 1;
                }
                pending.erase(0, start);
                if (pending.size() > max_output_line) pending.clear();
            }
        }
        if (entries[1].revents != 0) {
            const ssize_t count = read(errors.read_end, buffer, sizeof buffer);
            if (count <= 0) {
                errors_open = false;
            } else if (result.error_output.size() < max_error_output) {
                result.error_output.append(buffer, static_cast<std::size_t>(count));
            }
        }
    }
    if (!pending.empty()) on_line(pending);

    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (result.error_output.size() > max_error_output) result.error_output.resize(max_error_output);
    return result;
}

std::optional<std::string> command_problem(const std::string& path) {
    if (path.empty() || path.front() != '/') return std::string("is not an absolute path");

    struct stat status{};
    if (stat(path.c_str(), &status) < 0) return concat("cannot be found: ", std::strerror(errno));
    if (!S_ISREG(status.st_mode)) return std::string("is not a regular file");
    if (access(path.c_str(), X_OK) < 0) return concat("is not executable: ", std::strerror(errno));
    return std::nullopt;
}

}  // namespace odmr
