#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace outpost {

/// What another process asks the Outpost that sends from the same data folder, over the
/// single-instance channel (Service::sendToRunningInstance / Service::remoteRequest).
enum class InstanceVerb
{
    Changed,  ///< "changed": the outbox, accounts or settings were changed: reread, reschedule
    Flush,    ///< "flush": send everything due now; reply once it was all tried, with counts
    Activate, ///< "activate": show the window (or compose a mailto: URL)
    Status,   ///< "status": who sends from the outbox and how (InstanceReply::sender)
    Yield,    ///< "yield": `outpost daemon` lets go of the outbox for the desktop app
};

/// One request: a verb and its argument.
struct InstanceRequest
{
    InstanceVerb verb = InstanceVerb::Changed;
    QString mailto; ///< Activate: a mailto: URL to compose; empty: show the main window
};

/// One open pooled session of the sending process, as its answer to "status" lists it.
struct PooledSession
{
    QString account;
    QString server;       ///< "host:port"
    bool busy = false;    ///< a transaction is running
    int messagesSent = 0; ///< transactions completed on this session
};

/// What the sending process says of itself in its answer to "status".
struct SenderStatus
{
    QString role;             ///< "app", "daemon" or "flush" (senderRoleName())
    qint64 pid = 0;           ///< its process id
    bool workOffline = false; ///< the user switched sending off
    QString network;          ///< "online", "offline" or "unknown"
    QList<PooledSession> pool;
};

/// The answer to one request.
struct InstanceReply
{
    bool ok = false;
    QString error; ///< why not ok (a request this process does not know, or malformed)
    /// Flush: how many messages of the whole outbox are in each state once everything that was
    /// due has been tried.
    int queued = 0;
    int held = 0;
    int failed = 0;
    int sent = 0;
    /// Status: the process that answered; nullopt in answers to other requests.
    std::optional<SenderStatus> sender;

    /// An answer that says the request was done.
    static InstanceReply success()
    {
        InstanceReply r;
        r.ok = true;
        return r;
    }
    /// An answer that refuses the request with `why`.
    static InstanceReply refusal(const QString &why)
    {
        InstanceReply r;
        r.error = why;
        return r;
    }
};

/// The stable name of a verb on the wire ("changed", "flush", "activate", "status", "yield").
QString instanceVerbName(InstanceVerb verb);

/// Longest line either side reads (request or reply, newline included): a line that grows
/// past it is refused instead of filling memory.
constexpr qsizetype kInstanceLineMax = 64 * 1024;

/// The request as one line of compact JSON, newline-terminated: {"cmd":"activate",
/// "mailto":"mailto:bob@example.org"}.
QByteArray encodeRequest(const InstanceRequest &request);
/// Reads one request line (with or without its newline). nullopt with *error for anything
/// else: not JSON, not an object, no "cmd", a verb this build does not know, an argument of
/// the wrong type.
std::optional<InstanceRequest> decodeRequest(const QByteArray &line, QString *error);
/// The reply as one line of compact JSON, newline-terminated: {"ok":true,"queued":0,…} (the
/// counts only when ok; with a sender also "role", "pid", "work_offline", "network" and
/// "pool": [{"account","server","busy","messages_sent"}]), or {"ok":false,"error":"…"}.
QByteArray encodeReply(const InstanceReply &reply);
/// Reads one reply line; nullopt when it is not a reply (not a JSON object with a boolean
/// "ok"). Counts that are missing or not numbers read as 0; a reply with a "role" string has a
/// sender.
std::optional<InstanceReply> decodeReply(const QByteArray &line);

} // namespace outpost
