// The service extensions a server lists in its EHLO or LHLO reply.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/reply.hpp"

namespace odmr {

class Capabilities {
public:
    // Reads the keywords from every line of an EHLO reply but the first,
    // which carries the server's name.
    static Capabilities from_ehlo_reply(const Reply& reply);

    bool has(std::string_view keyword) const;
    std::string parameters(std::string_view keyword) const;

    // The SIZE limit in bytes: 0 when the server names none, nothing when
    // it does not offer SIZE.
    std::optional<std::uint64_t> size_limit() const;

    // The mechanisms listed by AUTH, upper case.
    std::vector<std::string> auth_mechanisms() const;

    void add(std::string_view keyword, std::string_view parameters = {});

private:
    std::map<std::string, std::string> keywords_;  // upper-case keyword -> parameters
};

}  // namespace odmr
