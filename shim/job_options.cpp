#include "shim/job_options.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "shim/job_parameters.hpp"
#include "smtp/socket.hpp"
#include "smtp/text.hpp"

namespace odmr {

namespace {

bool parse_yes_no(std::string_view name, std::string_view value) {
    if (iequals(value, "yes") || iequals(value, "true") || value == "1") return true;
    if (iequals(value, "no") || iequals(value, "false") || value == "0") return false;
    throw ParameterError(concat("invalid value '", printable(value, 40), "' for ", name, "; write yes or no"));
}

Seconds parse_seconds(std::string_view name, std::string_view value) {
    long long number = 0;
    const auto result = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || result.ec != std::errc() || result.ptr != value.data() + value.size() || number <= 0 ||
        number > 7 * 24 * 3600) {
        throw ParameterError(concat("invalid value '", printable(value, 40), "' for ", name,
                                    "; write a number of seconds from 1 to 604800"));
    }
    return Seconds(number);
}

TlsMode parse_tls_mode(std::string_view value) {
    if (iequals(value, "none")) return TlsMode::none;
    if (iequals(value, "may")) return TlsMode::may;
    if (iequals(value, "required")) return TlsMode::required;
    if (iequals(value, "implicit")) return TlsMode::implicit;
    throw ParameterError(concat("invalid value '", printable(value, 40),
                                "' for tls; write none, may (STARTTLS when offered), required (STARTTLS or fail) or "
                                "implicit (TLS from the first byte)"));
}

std::vector<std::string> parse_mechanisms(std::string_view value) {
    std::string list(value);
    for (char& c : list) {
        if (c == ',') c = ' ';
    }

    std::vector<std::string> mechanisms;
    for (const auto word : split_words(list)) {
        const std::string mechanism = to_upper(word);
        if (mechanism != "SCRAM-SHA-256" && mechanism != "CRAM-MD5" && mechanism != "PLAIN" && mechanism != "LOGIN") {
            throw ParameterError(concat("unknown SASL mechanism '", printable(word, 40),
                                        "' in auth_mechanisms; choose from SCRAM-SHA-256, CRAM-MD5, PLAIN and LOGIN"));
        }
        mechanisms.push_back(mechanism);
    }
    if (mechanisms.empty()) {
        throw ParameterError("auth_mechanisms is empty; list at least one of SCRAM-SHA-256, CRAM-MD5, PLAIN and LOGIN");
    }
    return mechanisms;
}

RelayProtocol parse_relay_protocol(std::string_view value) {
    if (iequals(value, "smtp")) return RelayProtocol::smtp;
    if (iequals(value, "lmtp")) return RelayProtocol::lmtp;
    throw ParameterError(concat("invalid value '", printable(value, 40), "' for relay_protocol; write smtp or lmtp"));
}

}  // namespace

std::string RelayTarget::describe() const {
    if (!socket_path.empty()) return concat("unix:", socket_path);
    const bool ipv6 = host.find(':') != std::string::npos;
    return concat("inet:", ipv6 ? "[" + host + "]" : host, ":", port);
}

RelayTarget parse_relay_target(std::string_view text, RelayProtocol protocol) {
    RelayTarget target;
    target.protocol = protocol;
    if (istarts_with(text, "unix:")) {
        target.socket_path = std::string(text.substr(5));
        if (target.socket_path.empty() || target.socket_path.front() != '/') {
            throw ParameterError(concat("invalid relay '", printable(text, 80),
                                        "'; a UNIX-domain socket needs an absolute path, such as unix:/run/odmr/relay"));
        }
        return target;
    }

    // Without "inet:" the text may be anything, such as smtp:host, so the
    // message names the accepted forms rather than the part that failed.
    const bool inet = istarts_with(text, "inet:");
    try {
        const Endpoint endpoint = parse_endpoint(inet ? text.substr(5) : text, 25);
        target.host = endpoint.host;
        target.port = endpoint.port;
    } catch (const std::invalid_argument& error) {
        if (inet) throw ParameterError(concat("invalid relay '", printable(text, 80), "': ", error.what()));
        throw ParameterError(concat("invalid relay '", printable(text, 80), "'; relay must be inet:host:port, such as "
                                    "inet:127.0.0.1:10026, or unix:/path for a UNIX-domain socket"));
    }
    if (target.host.empty()) {
        throw ParameterError(concat("invalid relay '", printable(text, 80),
                                    "'; name the local MTA's address and port, such as inet:127.0.0.1:10026, or "
                                    "unix:/path for a UNIX-domain socket"));
    }
    return target;
}

std::string unreadable_ca_file(const std::string& path) {
    if (access(path.c_str(), R_OK) == 0) return {};
    return concat("cannot read tls_ca_file ", path, ": ", std::strerror(errno),
                  "; name a readable PEM file of CA certificates");
}

const std::vector<std::string>& job_option_names() {
    static const std::vector<std::string> names{
        "tls",           "tls_ca_file",   "tls_verify", "auth_mechanisms", "connect_timeout", "command_timeout",
        "session_timeout", "relay",       "relay_protocol", "relay_timeout", "xclient",       "force_etrn",
        "helo_name",
    };
    return names;
}

bool apply_job_option(JobOptions& options, std::string_view name, std::string_view value) {
    value = trim(value);
    if (name == "tls") options.tls = parse_tls_mode(value);
    else if (name == "tls_ca_file") options.tls_ca_file = std::string(value);
    else if (name == "tls_verify") options.tls_verify = parse_yes_no(name, value);
    else if (name == "auth_mechanisms") options.auth_mechanisms = parse_mechanisms(value);
    else if (name == "connect_timeout") options.connect_timeout = parse_seconds(name, value);
    else if (name == "command_timeout") options.command_timeout = parse_seconds(name, value);
    else if (name == "session_timeout") options.session_timeout = parse_seconds(name, value);
    else if (name == "relay") options.relay = parse_relay_target(value, options.relay.protocol);
    else if (name == "relay_protocol") options.relay.protocol = parse_relay_protocol(value);
    else if (name == "relay_timeout") options.relay_timeout = parse_seconds(name, value);
    else if (name == "xclient") options.xclient = parse_yes_no(name, value);
    else if (name == "force_etrn") options.force_etrn = parse_yes_no(name, value);
    else if (name == "helo_name") options.helo_name = std::string(value);
    else return false;
    return true;
}

std::string tls_mode_name(TlsMode mode) {
    switch (mode) {
    case TlsMode::none: return "none";
    case TlsMode::may: return "may";
    case TlsMode::required: return "required";
    case TlsMode::implicit: return "implicit";
    }
    return "unknown";
}

std::string describe_job_options(const JobOptions& options) {
    std::string mechanisms;
    for (const auto& mechanism : options.auth_mechanisms) mechanisms += (mechanisms.empty() ? "" : ",") + mechanism;
    return concat("tls=", tls_mode_name(options.tls), options.tls_ca_file.empty() ? "" : " tls_ca_file=" + options.tls_ca_file,
                  " tls_verify=", options.tls_verify ? "yes" : "no", " auth_mechanisms=", mechanisms,
                  " relay=", options.relay.describe(),
                  options.relay.protocol == RelayProtocol::lmtp ? " relay_protocol=lmtp" : "", " xclient=", options.xclient ? "yes" : "no",
                  " connect_timeout=", options.connect_timeout.count(), "s command_timeout=",
                  options.command_timeout.count(), "s session_timeout=", options.session_timeout.count(),
                  "s relay_timeout=", options.relay_timeout.count(), "s",
                  options.force_etrn ? " force_etrn=yes" : "");
}

}  // namespace odmr
