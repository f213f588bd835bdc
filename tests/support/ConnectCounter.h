#pragma once
// Counts TCP connection attempts this process makes to a loopback port, so the harness can
// refuse connections for real (closed port, RST to the SYN: "connection refused") and still
// count the attempts (`SERVER: down`, `connect_attempts`). It interposes connect(2) in the
// test executable (linking this file defines `connect`); the in-process app's QTcpSocket
// calls go through it. Attempts made by other processes (the `cli` child) are not counted.

#include <QtGlobal>

namespace outpost::testsupport {

/// Connection attempts made so far by this process to 127.0.0.1:port (IPv4 or v4-mapped).
/// A non-blocking connect that Qt completes with a second connect(2) counts once, and so do
/// attempts that start within 100 ms of the previous one (Qt 6.4 retries a refused
/// connectToHost() once at once: one call of the app, two SYNs).
int connectAttempts(quint16 port);

} // namespace outpost::testsupport
