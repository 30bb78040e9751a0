// ETRN runs: for an allowed ETRN, odmrd opens a new connection to the
// queue domain's fixed address and bridges Postfix's delivery of the held
// mail onto it, as for ATRN. One run per domain at a time: an ETRN for a
// domain whose run is under way joins that run, and a burst of ETRNs
// starts at most one run per min_interval.
#pragma once

#include <future>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "plugin/host/host_queue.hpp"
#include "plugin/odmrd/customer_delivery.hpp"
#include "plugin/tables/queue_domain_table.hpp"

namespace odmr {

struct EtrnRunSettings {
    DeliverySettings delivery;
    Seconds connect_timeout{30};
    Seconds min_interval{10};
};

class EtrnRuns {
public:
    EtrnRuns(HostQueue& host, EtrnRunSettings settings) : host_(host), settings_(std::move(settings)) {}

    enum class Start {
        started,       // a new run delivers the mail
        joined,        // a run for the domain is under way and takes the mail
        rate_limited,  // a run started less than min_interval ago
        busy,          // another session (an ATRN customer) holds the domain
    };

    // Starts a run for a domain whose held mail is `waiting`, or joins the
    // domain's running run. With wait_for_connection the call returns once
    // the run's connection to the customer is up or has failed. Postfix
    // flushes the domain right after the policy reply, and the bridge socket
    // must be ready by then.
    Start start(const QueueDomain& domain, bool include_subdomains, std::vector<HeldMessage> waiting,
                const std::string& trigger, bool wait_for_connection);

private:
    struct DomainState {
        bool running = false;
        Clock::time_point last_start{};
        std::shared_future<void> connected;  // of the running run

    };

    void finish(const std::string& domain);

    HostQueue& host_;
    const EtrnRunSettings settings_;
    std::mutex mutex_;
    std::map<std::string, DomainState> states_;
};

}  // namespace odmr
