#include "bench/end_to_end/timed_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace odmr::bench {

namespace {

// The peak resident set size (VmHWM) of a running process, or 0 once it
// has exited. wait4's ru_maxrss cannot stand in for it: the kernel records
// the high-water mark of the memory a process had before exec, and the
// child of posix_spawn shares the driver's memory until its exec.
long peak_rss_kilobytes(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/status";
    FILE* status = std::fopen(path.c_str(), "r");
    if (status == nullptr) return 0;
    char line[256];
    long kilobytes = 0;
    while (std::fgets(line, sizeof line, status) != nullptr) {
        if (std::strncmp(line, "VmHWM:", 6) == 0) kilobytes = std::strtol(line + 6, nullptr, 10);
    }
    std::fclose(status);
    return kilobytes;
}

int decode_status(int raw) {
    if (WIFEXITED(raw)) return WEXITSTATUS(raw);
    if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
    return -1;
}

}  // namespace

TimedProcess::TimedProcess(const std::vector<std::string>& argv, const std::string& log_file, LineHandler on_line,
                           const std::vector<std::string>& environment) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) < 0) throw std::runtime_error(std::string("pipe2 failed: ") + std::strerror(errno));

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);

    std::vector<std::string> variables;
    for (char** entry = environ; *entry != nullptr; ++entry) variables.emplace_back(*entry);
    variables.insert(variables.end(), environment.begin(), environment.end());
    std::vector<char*> environment_pointers;
    for (auto& variable : variables) environment_pointers.push_back(variable.data());
    environment_pointers.push_back(nullptr);

    std::vector<char*> arguments;
    for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
    arguments.push_back(nullptr);

    started_ = Clock::now();
    const int status = posix_spawnp(&pid_, argv.front().c_str(), &actions, nullptr, arguments.data(),
                                    environment_pointers.data());
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (status != 0) {
        close(pipe_fds[0]);
        throw std::runtime_error("cannot start " + argv.front() + ": " + std::strerror(status));
    }
    reader_ = std::thread(&TimedProcess::read_output, this, pipe_fds[0], log_file, std::move(on_line));
}

TimedProcess::~TimedProcess() {
    kill_now();
    if (reader_.joinable()) reader_.join();
}

void TimedProcess::read_output(int fd, std::string log_file, LineHandler on_line) {
    FILE* log = std::fopen(log_file.c_str(), "a");
    std::string line;
    char buffer[16 * 1024];
    while (true) {
        const ssize_t count = read(fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;

        // One time for the whole read: the lines in it arrived together.
        const auto arrived = Clock::now();
        if (log != nullptr) {
            // Flushed at once, because the driver reads some of these logs
            // while the program runs.
            std::fwrite(buffer, 1, static_cast<std::size_t>(count), log);
            std::fflush(log);
        }
        for (ssize_t i = 0; i < count; ++i) {
            const char c = buffer[i];
            if (c != '\n' && c != '\r') {
                line += c;
                continue;
            }
            if (!line.empty() && on_line) on_line(line, arrived);
            line.clear();
        }
    }
    if (!line.empty() && on_line) on_line(line, Clock::now());
    if (log != nullptr) std::fclose(log);
    close(fd);
}

std::optional<ProcessExit> TimedProcess::wait(std::chrono::milliseconds timeout) {
    const auto end = Clock::now() + timeout;
    long peak = 0;
    while (!reaped_) {
        // The peak only grows, so the last reading before the exit is the
        // peak, unless the process grew in its last 5 ms.
        peak = std::max(peak, peak_rss_kilobytes(pid_));

        int raw = 0;
        const pid_t done = waitpid(pid_, &raw, WNOHANG);
        if (done == pid_) {
            reaped_ = true;
            if (reader_.joinable()) reader_.join();
            return ProcessExit{decode_status(raw), peak};
        }
        if (done < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
        if (Clock::now() >= end) return std::nullopt;

        // Five milliseconds bound the error of an exit time measured here.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    throw std::logic_error("TimedProcess::wait called after the process was reaped");
}

void TimedProcess::stop(std::chrono::milliseconds timeout) {
    if (reaped_ || pid_ <= 0) return;
    kill(pid_, SIGTERM);
    if (!wait(timeout)) kill_now();
}

void TimedProcess::kill_now() {
    if (reaped_ || pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int raw = 0;
    while (waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
}

}  // namespace odmr::bench
