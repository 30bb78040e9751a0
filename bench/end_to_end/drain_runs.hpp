// One measured run of each way held mail can leave a provider for the
// sink. Every run fills the provider's queue with the same messages first
// (not timed), then starts the client and times, from the sink's counter:
//
//   reply     the ETRN or ATRN reply that starts the delivery, as the
//             client saw it: the driver's own ETRN client, odmr-fetch's
//             log line for the reply, fetchmail's "Turnaround now..."
//   first     the first message accepted by the sink
//   last      the last message accepted by the sink
//   end       the end of the session: the client's exit for ATRN, the
//             sink's end of the session for ETRN through odmrd, the last
//             message for Postfix's own ETRN (whose cached connection
//             then idles until Postfix closes it)
//
// Throughput counts the messages and their bytes from the reply to the
// last message, so odmrd's release_grace_time, which follows the last
// message, is in the total time only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/end_to_end/held_mail_providers.hpp"
#include "bench/end_to_end/message_sink.hpp"

namespace odmr::bench {

struct DrainMeasurement {
    std::size_t messages = 0;
    std::uint64_t bytes = 0;        // message sizes as postqueue -j lists them
    double first_message = 0;       // seconds from the reply to the first message
    double delivery = 0;            // seconds from the reply to the last message
    double from_start = 0;          // seconds from the client's start to the last message
    double total = 0;               // seconds from the client's start to the end of the session
    bool reply_seen = true;         // false: no reply was seen, and "reply" is the client's start
    long client_peak_rss_kb = 0;    // odmr-fetch or fetchmail, VmHWM before its exit
    long odmrd_peak_rss_kb = 0;     // odmrd's VmHWM during the run
    long odmrd_rss_before_kb = 0;   // odmrd's VmRSS when the run started

    double messages_per_second() const { return delivery > 0 ? static_cast<double>(messages) / delivery : 0; }
    double megabytes_per_second() const { return delivery > 0 ? static_cast<double>(bytes) / 1e6 / delivery : 0; }
};

// The work directory keeps each client's configuration and output. The
// prefix runs odmr-fetch under a profiler ("valgrind --tool=massif").
struct DrainContext {
    MessageSink& sink;
    std::string work_directory;
    std::vector<std::string> fetch_prefix;
};

// Postfix's own ETRN, over one connection to the sink.
DrainMeasurement drain_with_postfix_etrn(DrainContext& context, PostfixEtrnProvider& provider, const MessageLoad& load);

// odmr-fetch logs in at odmrd, sends ATRN and relays into the sink.
DrainMeasurement drain_with_odmr_fetch(DrainContext& context, OdmrProvider& provider, const MessageLoad& load);

// fetchmail (protocol ODMR) does the same, relaying into the sink.
DrainMeasurement drain_with_fetchmail(DrainContext& context, OdmrProvider& provider, const MessageLoad& load);

// ETRN to odmrd's own ETRN port; odmrd connects to the sink as the
// domain's fixed address.
DrainMeasurement drain_with_odmrd_etrn(DrainContext& context, OdmrProvider& provider, const MessageLoad& load);

}  // namespace odmr::bench
