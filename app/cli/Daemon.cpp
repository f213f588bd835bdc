#include "Commands.h"

#include "SharedWords.h"
#include "SignalWatcher.h"
#include "SystemdNotify.h"

#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"
#include "smtp/Transport.h"

#include <QCommandLineParser>
#include <QTimer>

namespace outpost::cli {

namespace {
/// How often a standing-by daemon tries to take the outbox over (milliseconds): the lock is a
/// file, so a try is cheap, and 2 s is soon enough after the desktop app quits.
constexpr int kStandbyRetryMs = 2000;
/// After handing the outbox to the desktop app, how long before the first try to take it back
/// (milliseconds): the app is waiting for the lock and takes it in well under this.
constexpr int kAfterYieldMs = 5000;
/// How long the daemon waits for the holder of the outbox to say what it is (milliseconds).
constexpr int kAskHolderMs = 3000;

QString holderName(const SenderStatus &status)
{
    if (status.role == QLatin1String("app"))
        return QStringLiteral("the desktop app (pid %1)").arg(status.pid);
    if (status.role == QLatin1String("flush"))
        return QStringLiteral("outpost flush (pid %1)").arg(status.pid);
    return QStringLiteral("another Outpost process");
}
} // namespace

void Daemon::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("daemon"), args, {}))
        return;
    if (strayArgument(QStringLiteral("daemon"), p.positionalArguments(),
                      QStringLiteral("usage: outpost daemon")))
        return;
    // SIGTERM (systemd's stop), SIGINT (Ctrl+C), SIGHUP (the terminal closed): QUIT to every
    // pooled server, close, end.
    auto *signals_ = new SignalWatcher(this);
    connect(signals_, &SignalWatcher::terminationRequested, this, [this](int) { stop(); });
    m_retry = new QTimer(this);
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &Daemon::takeOver);
    takeOver();
}

void Daemon::takeOver()
{
    if (m_stopping || m_service)
        return;
    ServiceOptions options = serviceOptions();
    options.role = SenderRole::Daemon;
    options.systemNetworkInfo = true;
    m_service = std::make_unique<Service>(options);
    QString error;
    if (!m_service->open(&error)) {
        if (!m_service->lockedByOther()) {
            const Result r = openFailed(error);
            m_service.reset();
            return stopWith(r);
        }
        m_service.reset();
        return standBy();
    }
    Service *service = m_service.get();
    noteTightened();
    if (service->recoveredCount() > 0)
        err(QStringLiteral("%1 message(s) interrupted by an earlier stop were queued again")
                .arg(service->recoveredCount()));
    connect(service, &Service::notice, this,
            [this](const Notice &n) { err(words::noticeText(n, words::Front::Terminal)); });
    // One line per attempt for the journal: what happened to which message, where.
    connect(service->transport(), &Transport::finished, this, [this](const TransactionResult &tx) {
        if (tx.notAttempted)
            return;
        int accepted = 0;
        for (const RecipientResult &r : tx.recipients)
            accepted += r.accepted ? 1 : 0;
        if (tx.result.ok())
            err(QStringLiteral("message %1 sent via %2 (%3 of %4 recipients accepted)")
                    .arg(tx.messageId)
                    .arg(tx.server)
                    .arg(accepted)
                    .arg(tx.recipients.size()));
        else
            err(QStringLiteral("message %1 not sent via %2: %3")
                    .arg(tx.messageId)
                    .arg(tx.server, words::result(tx.result)));
    });
    connect(service, &Service::remoteRequest, this,
            [this](const InstanceRequest &request, const RemoteReply &reply) {
                if (request.verb == InstanceVerb::Yield)
                    return yieldOutbox(reply);
                reply(InstanceReply::refusal(
                    QStringLiteral("this Outpost sends without a window (outpost daemon)")));
            });
    m_standingBy = false;
    err(QStringLiteral("sending from %1").arg(context().dataDir));
    notifyServiceManager(
        QStringLiteral("READY=1\nSTATUS=Sending from %1").arg(context().dataDir).toUtf8());
}

void Daemon::standBy()
{
    if (m_standingBy) {
        m_retry->start(kStandbyRetryMs);
        return;
    }
    // Say once who sends instead; a second daemon has nothing to do and ends.
    Service::sendToRunningInstance(
        context().dataDir, InstanceRequest{InstanceVerb::Status, {}}, this,
        [this](bool ok, const InstanceReply &reply) {
            if (m_stopping)
                return;
            const std::optional<SenderStatus> status = ok && reply.ok ? reply.sender : std::nullopt;
            if (status && status->role == QLatin1String("daemon")) {
                err(QStringLiteral("an Outpost daemon already sends from %1 (pid %2)")
                        .arg(context().dataDir)
                        .arg(status->pid));
                return stopWith(Result::Ok);
            }
            m_standingBy = true;
            const QString who =
                status ? holderName(*status) : QStringLiteral("another Outpost process");
            err(QStringLiteral("standing by: %1 sends from %2; taking over when it ends")
                    .arg(who, context().dataDir));
            notifyServiceManager(
                QStringLiteral("READY=1\nSTATUS=Standing by: %1 sends").arg(who).toUtf8());
            m_retry->start(kStandbyRetryMs);
        },
        kAskHolderMs);
}

void Daemon::yieldOutbox(const RemoteReply &reply)
{
    if (m_stopping || m_yielding) {
        reply(InstanceReply::refusal(QStringLiteral("ending")));
        return;
    }
    m_yielding = true;
    // Answered first, so the app starts waiting for the lock while the pool says QUIT.
    reply(InstanceReply::success());
    err(QStringLiteral("the desktop app takes over: closing the connections"));
    const int deadline =
        int(m_service->settings()->intValue(QString(), settingKey("shutdown.deadline_ms")));
    connect(m_service.get(), &Service::shutdownFinished, this, [this](int, int) {
        QTimer::singleShot(0, this, [this] {
            m_service.reset(); // the lock and the socket go with it
            m_yielding = false;
            if (m_stopping)
                return stopWith(Result::Ok);
            m_standingBy = true;
            err(QStringLiteral("standing by: the desktop app sends from %1; taking over when it "
                               "ends")
                    .arg(context().dataDir));
            notifyServiceManager(QByteArrayLiteral("STATUS=Standing by: the desktop app sends"));
            m_retry->start(kAfterYieldMs);
        });
    });
    m_service->shutdown(deadline);
}

void Daemon::stop()
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_retry->stop();
    notifyServiceManager(QByteArrayLiteral("STOPPING=1"));
    if (m_yielding)
        return; // the yield's shutdown is under way and ends the daemon when done
    if (!m_service)
        return stopWith(Result::Ok);
    const int deadline =
        int(m_service->settings()->intValue(QString(), settingKey("shutdown.deadline_ms")));
    connect(m_service.get(), &Service::shutdownFinished, this,
            [this](int, int) { stopWith(Result::Ok); });
    // Never hang past the deadline, whatever a server does.
    QTimer::singleShot(deadline + 1000, this, [this] { stopWith(Result::Ok); });
    m_service->shutdown(deadline);
}

void Daemon::stopWith(Result r)
{
    m_stopping = true;
    m_retry->stop();
    finish(r);
}

} // namespace outpost::cli
