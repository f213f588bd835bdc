#pragma once
// The readiness protocol of systemd's Type=notify services (sd_notify(3)), without linking
// libsystemd: one datagram to the socket named by $NOTIFY_SOCKET.

#include <QByteArray>

namespace outpost::cli {

/// Sends `state` ("READY=1", "STOPPING=1", "STATUS=…", several separated by newlines) to the
/// service manager when $NOTIFY_SOCKET names one (a path, or "@name" for Linux's abstract
/// namespace). Returns false when there is none or the datagram could not be sent; a process
/// not started by systemd simply gets false. Linux only (false elsewhere).
bool notifyServiceManager(const QByteArray &state);

} // namespace outpost::cli
