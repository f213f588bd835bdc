#include "Commands.h"

#include "SharedWords.h"
#include "SignalWatcher.h"

#include "accounts/AccountStore.h"
#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"
#include "outbox/Dispatcher.h"
#include "smtp/Transport.h"
#include "storage/Storage.h"

#include <QCommandLineParser>
#include <QTimer>

#include <chrono>

namespace outpost::cli {

namespace {
/// Fails the queued and held messages whose account no longer exists (they can never be sent)
/// and returns their ids, so that the flush reports them.
QList<qint64> failOrphans(Service *service)
{
    QList<qint64> ids;
    QStringList existing;
    for (const Account &a : service->accounts()->list())
        existing << a.name;
    const OutboxReader *store = service->outbox();
    for (const QString &name : store->orphanAccounts(existing)) {
        for (const std::optional<MessageState> st :
             {std::optional(MessageState::Queued), std::optional(MessageState::Held)}) {
            store->forEachSummary(st, [&](const MessageSummary &m) {
                if (m.account == name)
                    ids << m.id;
                return true;
            });
        }
        service->storage()->writeNow(
            &OutboxWriter::failAccount, name,
            QStringLiteral("the account \"%1\" no longer exists").arg(name));
    }
    return ids;
}
} // namespace

void Flush::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(
            &p, QStringLiteral("flush"), args,
            {{QStringLiteral("timeout"), QStringLiteral("give up after this long"),
              QStringLiteral("SECONDS")},
             {QStringLiteral("verbose"), QStringLiteral("print the protocol log and the pool")}}))
        return;
    if (strayArgument(QStringLiteral("flush"), p.positionalArguments(),
                      QStringLiteral("usage: outpost flush [--timeout SECONDS] [--verbose]")))
        return;
    int timeoutSeconds = 0;
    if (p.isSet(QStringLiteral("timeout"))) {
        bool ok = false;
        timeoutSeconds = p.value(QStringLiteral("timeout")).toInt(&ok);
        if (!ok || timeoutSeconds <= 0 || timeoutSeconds > 2000000)
            return fail(
                Result::Usage,
                QStringLiteral("--timeout takes whole seconds from 1 to 2000000, not \"%1\"")
                    .arg(p.value(QStringLiteral("timeout"))));
    }
    // The sending Service: the lock, the dispatcher, the pool.
    m_service = std::make_unique<Service>(serviceOptions());
    Service *service = m_service.get();
    QString error;
    if (!service->open(&error)) {
        if (!service->lockedByOther())
            return finish(openFailed(error));
        // Another Outpost (the desktop app) sends from this outbox: ask it to flush.
        m_service.reset();
        return handOver(args);
    }
    noteTightened();
    if (service->recoveredCount() > 0)
        err(QStringLiteral("%1 message(s) interrupted by an earlier stop were queued again")
                .arg(service->recoveredCount()));
    if (p.isSet(QStringLiteral("verbose"))) {
        connect(service, &Service::logLine, this,
                [this](const QString &, const QString &line) { console().errLine(line); });
        connect(service->transport(), &Transport::poolChanged, this, &Flush::printPool);
    }
    connect(service, &Service::notice, this,
            [this](const Notice &n) { err(words::noticeText(n, words::Front::Terminal)); });
    // The messages this flush is about: everything queued and due once "send now" applies,
    // and those failed now because their account was removed.
    m_ids = failOrphans(service);
    service->storage()->writeNow(&OutboxWriter::makeAllDue);
    m_ids << service->outbox()->dueIds();
    connect(service, &Service::activityChanged, this, [this](bool busy) {
        if (!busy)
            stop(false);
    });
    // SIGTERM / SIGINT / SIGHUP: stop claiming, let transactions in flight finish until the
    // deadline, QUIT to every server, end.
    auto *signals_ = new SignalWatcher(this);
    connect(signals_, &SignalWatcher::terminationRequested, this, [this](int) { stop(true); });
    if (timeoutSeconds > 0)
        QTimer::singleShot(std::chrono::seconds(timeoutSeconds), this, [this] { stop(true); });
    service->flush();
    QTimer::singleShot(0, this, [this] {
        if (!m_service->dispatcher()->isBusy())
            stop(false);
    });
}

void Flush::handOver(const QStringList &args)
{
    Service::sendToRunningInstance(
        context().dataDir, InstanceRequest{InstanceVerb::Flush, {}}, this,
        [this, args](bool ok, const InstanceReply &reply) {
            if (!ok && m_handOverRetries++ < 3) {
                // The holder was finishing and is gone (or about to be): start over, taking
                // the lock ourselves if it is free now.
                QTimer::singleShot(0, this, [this, args] { run(args); });
                return;
            }
            if (!ok)
                return fail(Result::TryLater, QStringLiteral("another Outpost process holds this "
                                                             "outbox but did not answer"));
            if (!reply.ok)
                return fail(
                    Result::TryLater,
                    QStringLiteral("the running Outpost refused the flush: %1").arg(reply.error));
            out(QStringLiteral("handed to the running Outpost: %1 sent in all, %2 queued, %3 "
                               "held\n")
                    .arg(reply.sent)
                    .arg(reply.queued)
                    .arg(reply.held));
            finish(reply.queued + reply.held > 0 ? Result::Deferred : Result::Ok);
        });
}

void Flush::printPool()
{
    QStringList parts;
    for (const PoolSessionInfo &s : m_service->transport()->poolState())
        parts << QStringLiteral("%1 %2 %3 sent=%4")
                     .arg(s.server, s.account,
                          s.busy ? QStringLiteral("busy") : QStringLiteral("idle"))
                     .arg(s.messagesSent);
    const QString now =
        QStringLiteral("pool: ") +
        (parts.isEmpty() ? QStringLiteral("(empty)") : parts.join(QLatin1String("; ")));
    if (now == m_lastPool)
        return;
    m_lastPool = now;
    console().errLine(now);
}

void Flush::stop(bool early)
{
    if (m_stopping)
        return;
    m_stopping = true;
    const int deadline =
        int(m_service->settings()->intValue(QString(), settingKey("shutdown.deadline_ms")));
    // Counted after the shutdown: a transaction cut off by it is queued again by then.
    connect(m_service.get(), &Service::shutdownFinished, this,
            [this, early](int, int) { report(early); });
    m_service->shutdown(deadline);
}

void Flush::report(bool early)
{
    const OutboxReader *store = m_service->outbox();
    int sent = 0, deferred = 0, failed = 0;
    const QHash<qint64, MessageState> states = store->states(m_ids);
    for (auto it = states.cbegin(); it != states.cend(); ++it) {
        if (it.value() == MessageState::Sent)
            ++sent;
        else if (it.value() == MessageState::Failed)
            ++failed;
        else if (it.value() == MessageState::Held &&
                 store->summary(it.key()).value_or(MessageSummary{}).heldByAccount)
            continue; // in the "held" lines below
        else
            ++deferred;
    }
    out(QStringLiteral("%1 sent, %2 deferred, %3 failed%4\n")
            .arg(sent)
            .arg(deferred)
            .arg(failed)
            .arg(early ? QStringLiteral(" (stopped early)") : QString()));
    // Held because their account needs attention: stuck until the user acts, so the flush did
    // not get everything out.
    QMap<QString, int> stuck;
    store->forEachSummary(MessageState::Held, [&](const MessageSummary &m) {
        if (m.heldByAccount)
            ++stuck[m.account];
        return true;
    });
    for (auto it = stuck.cbegin(); it != stuck.cend(); ++it)
        out(QStringLiteral("%1 held: account \"%2\" needs attention (outpost list --state held; "
                           "outpost retry ID when fixed)\n")
                .arg(it.value())
                .arg(it.key()));
    if (deferred > 0 || !stuck.isEmpty())
        return finish(Result::Deferred);
    finish(failed > 0 ? Result::SomeFailed : Result::Ok);
}

} // namespace outpost::cli
