#include "tests/harness/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "tests/harness/temp_directory.hpp"

extern char** environ;

namespace odmr::test {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& output_file,
                           const std::map<std::string, std::string>& environment)
    : output_file_(output_file) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);

    std::vector<std::string> variables;
    for (char** entry = environ; *entry != nullptr; ++entry) variables.emplace_back(*entry);
    for (const auto& [name, value] : environment) variables.push_back(name + "=" + value);
    std::vector<char*> environment_pointers;
    for (auto& variable : variables) environment_pointers.push_back(variable.data());
    environment_pointers.push_back(nullptr);

    std::vector<char*> arguments;
    for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
    arguments.push_back(nullptr);

    const int status = posix_spawnp(&pid_, argv.front().c_str(), &actions, nullptr, arguments.data(),
                                    environment_pointers.data());
    posix_spawn_file_actions_destroy(&actions);
    if (status != 0) throw std::runtime_error("cannot start " + argv.front() + ": " + std::strerror(status));
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, int socket, const std::string& output_file)
    : output_file_(output_file) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, socket, 0);
    posix_spawn_file_actions_adddup2(&actions, socket, 1);
    posix_spawn_file_actions_addopen(&actions, 2, output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);

    std::vector<char*> arguments;
    for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
    arguments.push_back(nullptr);

    const int status = posix_spawn(&pid_, argv.front().c_str(), &actions, nullptr, arguments.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (status != 0) throw std::runtime_error("cannot start " + argv.front() + ": " + std::strerror(status));
}

ChildProcess::~ChildProcess() {
    if (running()) kill_now();
}

static int decode_status(int raw) {
    if (WIFEXITED(raw)) return WEXITSTATUS(raw);
    if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
    return -1;
}

bool ChildProcess::running() {
    if (status_) return false;
    int raw = 0;
    const pid_t done = waitpid(pid_, &raw, WNOHANG);
    if (done == pid_) {
        status_ = decode_status(raw);
        return false;
    }
    return done == 0;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() >= end) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status_;
}

void ChildProcess::signal(int number) {
    if (running()) ::kill(pid_, number);
}

void ChildProcess::kill_now() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    int raw = 0;
    while (waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
    status_ = decode_status(raw);
}

std::string ChildProcess::output() const { return read_file(output_file_); }

int run_command(const std::vector<std::string>& argv, std::string& output, std::chrono::milliseconds timeout) {
    char pattern[] = "/tmp/odmr-command-XXXXXX";
    const int fd = mkstemp(pattern);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);

    int status = -1;
    {
        ChildProcess child(argv, pattern);
        const auto result = child.wait(timeout);
        status = result ? *result : -1;
        output = child.output();
    }
    unlink(pattern);
    return status;
}

}  // namespace odmr::test
