#include "plugin/milter/limit_session.hpp"

#include <atomic>
#include <charconv>

#include "smtp/domain.hpp"
#include "smtp/log.hpp"
#include "smtp/text.hpp"

namespace odmr {

std::string recipient_domain(std::string_view address) {
    if (!address.empty() && address.front() == '<') address.remove_prefix(1);
    if (!address.empty() && address.back() == '>') address.remove_suffix(1);

    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return {};
    std::string_view domain = address.substr(at + 1);
    if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
    return to_lower(domain);
}

std::optional<std::uint64_t> declared_size(const std::vector<std::string>& arguments) {
    for (std::size_t i = 1; i < arguments.size(); ++i) {
        const std::string_view argument = arguments[i];
        if (!istarts_with(argument, "SIZE=")) continue;

        const std::string_view digits = argument.substr(5);
        std::uint64_t value = 0;
        const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (digits.empty() || result.ec != std::errc() || result.ptr != digits.data() + digits.size()) {
            return std::nullopt;
        }
        return value;
    }
    return std::nullopt;
}

LimitSession::LimitSession(LimitPolicy policy, HeldMailAccounting& accounting)
    : policy_(std::move(policy)), accounting_(accounting) {}

LimitSession::~LimitSession() { end_transaction(); }

void LimitSession::end_transaction() {
    for (const auto& [domain, size] : transaction_.reservations) accounting_.cancel(domain, size);
    transaction_ = Transaction{};
}

std::string LimitSession::queue_id(MilterContext& context) const {
    const auto id = context.macro("i");
    return id && !id->empty() ? printable(*id, 40) : "NOQUEUE";
}

// Sets the reply and logs one line in Postfix's shape: queue id first,
// then what was rejected and why.
MilterStatus LimitSession::reject(MilterContext& context, const Rejection& rejection) {
    if (!context.set_reply(rejection.code, rejection.enhanced, rejection.text)) {
        log::warning(concat("the MTA did not take the reply ", rejection.code, " ", rejection.enhanced, " ", rejection.text));
    }
    log::info(concat(queue_id(context), ": reject: ", rejection.log_detail, ": ", rejection.code, " ", rejection.enhanced,
                     " ", rejection.text));
    return rejection.code.front() == '4' ? MilterStatus::tempfail : MilterStatus::reject;
}

// A local submission cannot reject one recipient, so the rejection waits
// for the end of the message.
MilterStatus LimitSession::reject_recipient(MilterContext& context, Rejection rejection) {
    if (!transaction_.local_submission) return reject(context, rejection);
    if (!transaction_.rejection) transaction_.rejection = std::move(rejection);
    return MilterStatus::proceed;
}

MilterStatus LimitSession::mail(MilterContext& context, const std::vector<std::string>& arguments) {
    end_transaction();
    transaction_.declared_size = declared_size(arguments);
    transaction_.local_submission = context.macro("{daemon_port}") == "0";
    return MilterStatus::proceed;
}

MilterStatus LimitSession::recipient(MilterContext& context, const std::vector<std::string>& arguments) {
    if (arguments.empty()) return MilterStatus::proceed;
    return check_recipient(context, arguments.front(), recipient_domain(arguments.front()));
}

MilterStatus LimitSession::check_recipient(MilterContext& context, const std::string& address,
                                           const std::string& domain) {
    const QueueDomain* entry = policy_.queue_domains->find(domain);
    const std::uint64_t size_limit = entry ? entry->max_message_size : 0;
    const std::optional<std::uint64_t> declared = transaction_.declared_size;
    const std::string recipient_detail = concat("RCPT to=", printable(address, 100), ", domain=", domain);

    // RFC 1870: a SIZE the server will not take for a recipient gets 552
    // at RCPT, so only this domain's recipients are turned away.
    if (size_limit > 0 && declared && *declared > size_limit) {
        return reject_recipient(context, {"552", "5.3.4",
                                          concat("<", domain, ">: message size ", *declared, " exceeds the limit of ",
                                                 size_limit, " bytes for this domain"),
                                          recipient_detail});
    }

    // The domain goes into the reply only in a form that is safe there: a
    // recipient outside the queue domains is client text.
    const bool splits = !declared && !transaction_.local_submission;
    if (splits && transaction_.shared_size_limit && *transaction_.shared_size_limit != size_limit) {
        const auto shown = normalize_domain(domain);
        return reject_recipient(context, {"452", "4.5.3",
                                          shown ? concat("<", *shown, ">: send mail for this domain in a separate transaction")
                                                : "send mail for this recipient in a separate transaction",
                                          concat(recipient_detail, ", max_message_size=", size_limit, " differs from ",
                                                 *transaction_.shared_size_limit, " in a transaction without SIZE")});
    }

    const bool has_held_limits = entry && (entry->max_messages > 0 || entry->max_bytes > 0);
    if (has_held_limits && transaction_.reservations.count(domain) == 0) {
        const HeldLimits limits{entry->max_messages, entry->max_bytes};
        const Reservation reservation = accounting_.reserve(domain, limits, declared.value_or(0));
        if (reservation.outcome == Reservation::Outcome::not_counted) {
            return reject_recipient(context, {"451", "4.3.0",
                                              concat("<", domain, ">: held mail for this domain is not counted yet; try again later"),
                                              concat(recipient_detail, ", no queue listing yet")});
        }
        if (reservation.outcome == Reservation::Outcome::over_limit) {
            return reject_recipient(context, {"452", "4.2.2",
                                              concat("<", domain, ">: too much mail held for this domain; try again later"),
                                              concat(recipient_detail, ", held messages=", reservation.usage.messages, "/",
                                                     limits.max_messages, " bytes=", reservation.usage.bytes, "/",
                                                     limits.max_bytes)});
        }
        transaction_.reservations.emplace(domain, declared.value_or(0));
    }

    if (splits) transaction_.shared_size_limit = size_limit;
    if (size_limit > 0) transaction_.size_limits.emplace(domain, size_limit);
    return MilterStatus::proceed;
}

// The size adds up each header as "name: value" and CRLF, the empty line
// and the body, which is the message as SMTP carried it, within a few
// bytes of folding.
void LimitSession::header(std::string_view name, std::string_view value) {
    transaction_.size += name.size() + 2 + value.size() + 2;
}

void LimitSession::end_of_headers() { transaction_.size += 2; }

void LimitSession::body(std::size_t length) { transaction_.size += length; }

MilterStatus LimitSession::end_of_message(MilterContext& context) {
    // NOTE: with SIZE= the recipients may have different limits; when the
    // real message is larger than it declared and exceeds one of them,
    // the reply rejects it for every recipient.
    for (const auto& [domain, limit] : transaction_.size_limits) {
        if (transaction_.size <= limit) continue;
        const Rejection rejection{"552", "5.3.4",
                              concat("<", domain, ">: message size ", transaction_.size, " exceeds the limit of ",
                                     limit, " bytes for this domain"),
                              concat("END-OF-MESSAGE domain=", domain)};
        end_transaction();
        return reject(context, rejection);
    }

    if (transaction_.rejection) {
        const Rejection rejection = *transaction_.rejection;
        end_transaction();
        return reject(context, rejection);
    }

    if (!transaction_.reservations.empty()) {
        // Without a queue id the message cannot be matched with a listing;
        // it counts until the grace time shows it gone.
        static std::atomic<std::uint64_t> unnamed{0};
        std::string id = context.macro("i").value_or("");
        if (id.empty()) id = concat("unnamed-", ++unnamed);
        accounting_.accept(id, transaction_.reservations, transaction_.size);
        transaction_.reservations.clear();
    }
    transaction_ = Transaction{};
    return MilterStatus::proceed;
}

void LimitSession::abort() { end_transaction(); }

MilterStatus LimitSession::unknown_command(MilterContext& context, std::string_view command) {
    const std::string_view trimmed = trim(command);
    const std::string verb = to_upper(trimmed.substr(0, trimmed.find_first_of(" \t")));

    if (verb == "ATRN") {
        return reject(context, {"502", "5.5.1",
                                concat("ATRN is served on the ODMR port ", policy_.odmr_port, " (RFC 2645), not on this port"),
                                "ATRN"});
    }
    // odmrd's ODMR port takes no ETRN, so without an ETRN port of its own
    // the way left to a client is ATRN.
    if (verb == etrn_with_password_verb && policy_.etrn_port != 0) {
        return reject(context, {"502", "5.5.1",
                                concat("ETRN with a password is served on port ", policy_.etrn_port,
                                       ", not on this port"),
                                "ETRN with a password"});
    }
    if (verb == etrn_with_password_verb) {
        return reject(context, {"502", "5.5.1",
                                concat("ETRN with a password is not served on this port; use ATRN on the ODMR port ",
                                       policy_.odmr_port),
                                "ETRN with a password"});
    }
    return MilterStatus::proceed;
}

}  // namespace odmr
