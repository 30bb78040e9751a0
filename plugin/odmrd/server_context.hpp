// The state every odmrd session shares: the settings, the tables, TLS, the
// host queue, the delivery settings and the AUTH limiter. It outlives every
// session.
#pragma once

#include <memory>

#include "plugin/host/host_queue.hpp"
#include "plugin/odmrd/auth_limiter.hpp"
#include "plugin/odmrd/customer_delivery.hpp"
#include "plugin/odmrd/daemon_settings.hpp"
#include "plugin/odmrd/tables.hpp"
#include "smtp/tls.hpp"

namespace odmr {

struct ServerContext {
    const DaemonSettings& settings;
    const TablesHolder& tables;
    std::shared_ptr<TlsContext> tls;  // nullptr when STARTTLS is not configured
    HostQueue& host;
    DeliverySettings delivery;
    AuthLimiter& auth_limiter;
};

}  // namespace odmr
