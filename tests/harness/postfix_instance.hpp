// A private Postfix instance for one test: its own configuration, queue and
// log directories, an smtpd on a free loopback port, DNS off, and every
// destination but the test's own either held or answered by the error
// transport, so no mail can leave the machine. It runs from
// `postfix -c DIR` and is stopped by the destructor, also when a test
// fails. It is started by running master(8) directly and stopped by its
// process id.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "plugin/host/host_queue.hpp"

namespace odmr::test {

struct PostfixOptions {
    std::string hostname = "postfix.test";
    std::string listen_address = "127.0.0.1";  // for the smtpd, any 127.0.0.0/8 address
    std::vector<std::string> main_cf;    // extra main.cf lines, after the base
    std::vector<std::string> master_cf;  // extra master.cf lines
    // Domains delivered to one maildir (DIR/mail/maildir) by virtual(8);
    // each delivered copy has a Delivered-To header with its recipient.
    std::vector<std::string> mailbox_domains;
};

class PostfixInstance {
public:
    // Writes the configuration; start() starts it.
    PostfixInstance(std::string directory, PostfixOptions options);
    ~PostfixInstance();
    PostfixInstance(const PostfixInstance&) = delete;
    PostfixInstance& operator=(const PostfixInstance&) = delete;

    void start();
    void stop();

    // Kills the master and every process in its process group (smtpd,
    // cleanup, qmgr...) with SIGKILL, as a crash would, and waits until
    // they are gone. start() runs the instance again on the same queue.
    void kill_now();

    const std::string& directory() const { return directory_; }
    std::uint16_t smtp_port() const { return smtp_port_; }
    const std::string& listen_address() const { return options_.listen_address; }

    // Runs postmap for a table file in this instance's configuration.
    void postmap(const std::string& file) const;

    // The queue as postqueue -j lists it, every recipient included.
    std::vector<HeldMessage> queue() const;
    std::size_t queued_recipients() const;

    std::string log() const;
    bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const;

    // The messages in the maildir, oldest first.
    std::vector<std::string> delivered_messages() const;
    bool wait_for_delivered(std::size_t count, std::chrono::milliseconds timeout) const;

private:
    std::string directory_;
    PostfixOptions options_;
    std::uint16_t smtp_port_;
    bool running_ = false;
};

// Stops several instances at once; each takes over a second to go.
void stop_together(const std::vector<PostfixInstance*>& instances);

// The text of a file in conf-examples/ (the tests use these very files).
std::string conf_example(const std::string& relative_path);

}  // namespace odmr::test
