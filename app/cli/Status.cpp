#include "Commands.h"

#include "accounts/AccountStore.h"
#include "outbox/MessageJson.h"
#include "storage/OutboxReader.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>

namespace outpost::cli {

namespace {
/// How long status waits for the sending process to answer (milliseconds): it answers from its
/// event loop at once, so only a hung process takes this long.
constexpr int kAskSenderMs = 3000;

/// The states in the order status lists them.
const QList<MessageState> kStates = {MessageState::Queued, MessageState::Sending,
                                     MessageState::Held,   MessageState::Failed,
                                     MessageState::Sent,   MessageState::Draft};

/// The last problem met by an account: its newest waiting or failed message with a reply or
/// an error detail.
struct LastError
{
    qint64 id = 0;
    SmtpReply reply;
    QString detail;
};

QString replyText(const SmtpReply &r)
{
    QString s = QString::number(r.code);
    if (!r.enhanced.isEmpty())
        s += QLatin1Char(' ') + QString::fromLatin1(r.enhanced);
    return s + QLatin1Char(' ') + r.text();
}
} // namespace

void Status::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("status"), args,
               {{QStringLiteral("json"), QStringLiteral("JSON output")}}))
        return;
    if (strayArgument(QStringLiteral("status"), p.positionalArguments(),
                      QStringLiteral("usage: outpost status [--json]")))
        return;
    if (const Result r = openStore(true); r != Result::Ok)
        return finish(r);
    const bool json = p.isSet(QStringLiteral("json"));
    Service::sendToRunningInstance(
        context().dataDir, InstanceRequest{InstanceVerb::Status, {}}, this,
        [this, json](bool ok, const InstanceReply &reply) {
            report(json, ok && reply.ok ? reply.sender : std::nullopt);
        },
        kAskSenderMs);
}

void Status::report(bool json, const std::optional<SenderStatus> &sender)
{
    const OutboxReader *store = service()->outbox();
    const AccountStore *accounts = service()->accounts();
    QHash<QString, LastError> lastErrors;
    ReadFailure failure;
    for (const MessageState s : {MessageState::Queued, MessageState::Held, MessageState::Failed}) {
        const bool read = store->forEachSummary(
            s,
            [&lastErrors](const MessageSummary &m) {
                if (m.lastReply.code == 0 && m.lastDetail.isEmpty())
                    return true;
                LastError &e = lastErrors[m.account];
                if (m.id > e.id)
                    e = {m.id, m.lastReply, m.lastDetail};
                return true;
            },
            &failure);
        if (!read)
            return finish(readFailed(failure));
    }
    const QStringList paused = accounts->pausedAccounts();
    const qint64 nextDueMs = store->nextDueMs(paused);
    const QDateTime nextDue =
        nextDueMs < 0 ? QDateTime() : QDateTime::fromMSecsSinceEpoch(nextDueMs, Qt::UTC);
    const QString def = accounts->defaultAccount();
    // The pooled sessions per account, from the sender's answer.
    struct Pool
    {
        int idle = 0;
        int busy = 0;
        QStringList servers;
    };
    QHash<QString, Pool> pools;
    for (const PooledSession &s : sender ? sender->pool : QList<PooledSession>()) {
        Pool &pool = pools[s.account];
        (s.busy ? pool.busy : pool.idle)++;
        if (!pool.servers.contains(s.server))
            pool.servers << s.server;
    }

    if (json) {
        QJsonObject counts;
        for (const MessageState s : kStates)
            counts.insert(messageStateName(s), store->count(s));
        QJsonArray accountList;
        for (const Account &a : accounts->list()) {
            const Pool pool = pools.value(a.name);
            const LastError e = lastErrors.value(a.name);
            accountList.append(QJsonObject{
                {QStringLiteral("name"), a.name},
                {QStringLiteral("default"), a.name == def},
                {QStringLiteral("paused"), paused.contains(a.name)},
                {QStringLiteral("needs_sign_in"),
                 accounts->pauseClass(a.name) == errorClassName(ErrorClass::SignIn)},
                {QStringLiteral("pool"),
                 QJsonObject{
                     {QStringLiteral("open"), pool.idle + pool.busy},
                     {QStringLiteral("idle"), pool.idle},
                     {QStringLiteral("busy"), pool.busy},
                     {QStringLiteral("servers"), QJsonArray::fromStringList(pool.servers)}}},
                {QStringLiteral("last_error"),
                 e.id == 0
                     ? QJsonValue(QJsonValue::Null)
                     : QJsonValue(QJsonObject{{QStringLiteral("message"), e.id},
                                              {QStringLiteral("reply"), json::replyOrNull(e.reply)},
                                              {QStringLiteral("detail"),
                                               e.detail.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                                  : QJsonValue(e.detail)}})}});
        }
        const QJsonValue null(QJsonValue::Null);
        const QJsonObject senderJson{
            {QStringLiteral("running"), sender.has_value()},
            {QStringLiteral("role"), sender ? QJsonValue(sender->role) : null},
            {QStringLiteral("pid"), sender ? QJsonValue(sender->pid) : null},
            {QStringLiteral("work_offline"), sender ? QJsonValue(sender->workOffline) : null},
            {QStringLiteral("network"), sender ? QJsonValue(sender->network) : null}};
        const QJsonObject o{{QStringLiteral("sender"), senderJson},
                            {QStringLiteral("counts"), counts},
                            {QStringLiteral("next_due"), json::isoOrNull(nextDue)},
                            {QStringLiteral("accounts"), accountList}};
        console().outBytes(terminalSafeJson(QJsonDocument(o).toJson(QJsonDocument::Indented)));
        return finish(Result::Ok);
    }

    if (!sender) {
        out(QStringLiteral("sender: none running; queued messages wait (start `outpost daemon` or "
                           "the desktop app, or run `outpost flush`)\n"));
    } else {
        const QString &role = sender->role;
        const QString what = role == QLatin1String("app")      ? QStringLiteral("the desktop app")
                             : role == QLatin1String("daemon") ? QStringLiteral("outpost daemon")
                                                               : QStringLiteral("outpost flush");
        QString network = sender->network;
        if (sender->workOffline)
            network = QStringLiteral("working offline");
        out(QStringLiteral("sender: %1, pid %2 (network: %3)\n")
                .arg(what)
                .arg(sender->pid)
                .arg(network));
    }
    QStringList parts;
    for (const MessageState s : kStates)
        parts << QStringLiteral("%1 %2").arg(store->count(s)).arg(messageStateName(s));
    out(QStringLiteral("messages: %1\n").arg(parts.join(QLatin1String(", "))));
    out(QStringLiteral("next due: %1\n")
            .arg(nextDue.isValid() ? nextDue.toLocalTime().toString(Qt::ISODate)
                                   : QStringLiteral("nothing waits")));
    for (const Account &a : accounts->list()) {
        const Pool pool = pools.value(a.name);
        QString line = QStringLiteral("account %1%2: ")
                           .arg(a.name, a.name == def ? QStringLiteral(" (default)") : QString());
        if (accounts->pauseClass(a.name) == errorClassName(ErrorClass::SignIn))
            line += QStringLiteral("NEEDS ATTENTION: sign in again (outpost account login %1); "
                                   "its messages are held, ")
                        .arg(a.name);
        else if (paused.contains(a.name))
            line += QStringLiteral("PAUSED (needs attention), ");
        if (pool.idle + pool.busy == 0)
            line += QStringLiteral("no open connection");
        else
            line += QStringLiteral("%1 open connection(s) to %2 (%3 idle, %4 busy)")
                        .arg(pool.idle + pool.busy)
                        .arg(pool.servers.join(QLatin1String(", ")))
                        .arg(pool.idle)
                        .arg(pool.busy);
        const LastError e = lastErrors.value(a.name);
        if (e.id != 0)
            line += QStringLiteral("; last error (message %1): %2")
                        .arg(e.id)
                        .arg(e.reply.code != 0 ? replyText(e.reply) : e.detail);
        out(line + QLatin1Char('\n'));
    }
    finish(Result::Ok);
}

} // namespace outpost::cli
