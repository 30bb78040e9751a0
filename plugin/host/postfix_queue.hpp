// The host adapter for Postfix: `postqueue -j` lists the queue and
// `postqueue -s DOMAIN` asks the flush service to deliver a domain's mail.
// Both need the domain in fast_flush_domains and mail held by
// defer_transports, as conf-examples/postfix/main.cf sets up.
#pragma once

#include <optional>
#include <string>

#include "plugin/host/host_queue.hpp"
#include "smtp/deadline.hpp"

namespace odmr {

struct PostfixQueueSettings {
    std::string postqueue_command = "/usr/sbin/postqueue";
    std::string config_directory;  // passed as -c unless empty
    Seconds timeout{60};           // for one postqueue run
};

class PostfixQueue : public HostQueue {
public:
    explicit PostfixQueue(PostfixQueueSettings settings) : settings_(std::move(settings)) {}

    // NOTE: postqueue -j reads every queue file, so a listing takes time in
    // proportion to the whole queue, not to the domains asked for.
    std::vector<HeldMessage> list_held(const DomainFilter& filter) override;
    void visit_held(const DomainFilter& filter, const std::function<void(const HeldMessage&)>& visit) override;
    void release(const std::string& domain) override;

private:
    std::vector<std::string> command(std::initializer_list<std::string> arguments) const;

    PostfixQueueSettings settings_;
};

// Describes what is wrong with the Postfix configuration directory of the
// settings and how to fix it, in a sentence that begins with the setting.
// Returns nothing when the setting is empty or the main.cf is readable.
std::optional<std::string> config_directory_problem(const PostfixQueueSettings& settings);

// Parses one line of `postqueue -j` output. Returns false and sets error
// when the line is not a queue entry; recipients not accepted by the filter
// are left out of message.
bool parse_postqueue_json_line(std::string_view line, const DomainFilter& filter, HeldMessage& message,
                               std::string& error);

}  // namespace odmr
