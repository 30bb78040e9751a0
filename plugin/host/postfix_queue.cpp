#include "plugin/host/postfix_queue.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "plugin/host/json.hpp"
#include "plugin/host/process.hpp"
#include "smtp/domain.hpp"
#include "smtp/text.hpp"

namespace odmr {

std::vector<std::string> PostfixQueue::command(std::initializer_list<std::string> arguments) const {
    std::vector<std::string> argv{settings_.postqueue_command};
    if (!settings_.config_directory.empty()) {
        argv.push_back("-c");
        argv.push_back(settings_.config_directory);
    }
    argv.insert(argv.end(), arguments);
    return argv;
}

bool parse_postqueue_json_line(std::string_view line, const DomainFilter& filter, HeldMessage& message,
                               std::string& error) {
    const auto value = json::parse(line, error);
    if (!value) return false;

    const auto* queue_id = json::member(*value, "queue_id");
    const auto* queue_name = json::member(*value, "queue_name");
    const auto* recipients = json::member(*value, "recipients");
    if (!queue_id || !queue_id->string() || !queue_name || !queue_name->string() || !recipients ||
        !recipients->array()) {
        error = "queue entry without queue_id, queue_name or recipients";
        return false;
    }

    message = HeldMessage{};
    message.queue_id = *queue_id->string();
    message.queue_name = *queue_name->string();
    // A number outside the integer's range is ignored like a missing one,
    // because converting it would be undefined behavior.
    if (const auto* arrival = json::member(*value, "arrival_time"); arrival && arrival->number()) {
        const double seconds = *arrival->number();
        if (seconds >= -0x1p63 && seconds < 0x1p63) message.arrival_time = static_cast<std::int64_t>(seconds);
    }
    if (const auto* size = json::member(*value, "message_size"); size && size->number()) {
        const double bytes = *size->number();
        if (bytes >= 0 && bytes < 0x1p64) message.size = static_cast<std::uint64_t>(bytes);
    }
    if (const auto* sender = json::member(*value, "sender"); sender && sender->string()) {
        message.sender = *sender->string();
    }

    for (const auto& recipient : *recipients->array()) {
        const auto* address = json::member(recipient, "address");
        if (!address || !address->string()) continue;
        if (filter(domain_of(*address->string()))) message.recipients.push_back(*address->string());
    }
    return true;
}

std::vector<HeldMessage> PostfixQueue::list_held(const DomainFilter& filter) {
    std::vector<HeldMessage> held;
    visit_held(filter, [&](const HeldMessage& message) { held.push_back(message); });
    return held;
}

void PostfixQueue::visit_held(const DomainFilter& filter, const std::function<void(const HeldMessage&)>& visit) {
    std::string first_error;
    const auto result = run_process(command({"-j"}), Deadline::after(settings_.timeout), [&](std::string_view line) {
        HeldMessage message;
        std::string error;
        if (!parse_postqueue_json_line(line, filter, message, error)) {
            if (first_error.empty()) first_error = error;
            return;
        }
        // Mail the admin put on hold stays where it is.
        if (message.queue_name == "hold" || message.recipients.empty()) return;
        visit(message);
    });

    if (result.timed_out) {
        throw HostQueueError(concat("postqueue -j did not finish within ", settings_.timeout.count(), " seconds"));
    }
    if (result.exit_status != 0) {
        throw HostQueueError(concat("postqueue -j failed with status ", result.exit_status, ": ",
                                    printable(trim(result.error_output), 300)));
    }
    if (!first_error.empty()) {
        throw HostQueueError(concat("cannot parse the output of postqueue -j: ", first_error));
    }
}

void PostfixQueue::release(const std::string& domain) {
    const auto result = run_process(command({"-s", domain}), Deadline::after(settings_.timeout), [](std::string_view) {});
    if (result.timed_out) {
        throw HostQueueError(concat("postqueue -s ", domain, " did not finish within ", settings_.timeout.count(), " seconds"));
    }
    if (result.exit_status != 0) {
        throw HostQueueError(concat("postqueue -s ", domain, " failed with status ", result.exit_status, ": ",
                                    printable(trim(result.error_output), 300)));
    }
}

std::optional<std::string> config_directory_problem(const PostfixQueueSettings& settings) {
    const std::string& directory = settings.config_directory;
    if (directory.empty()) return std::nullopt;

    const std::string main_cf = directory + "/main.cf";
    if (access(main_cf.c_str(), R_OK) == 0) return std::nullopt;
    return concat("postfix_config_directory = ", printable(directory, 120), " has no readable main.cf (",
                  std::strerror(errno), "); give Postfix's configuration directory, such as /etc/postfix");
}

}  // namespace odmr
