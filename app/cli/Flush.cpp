#include "Commands.h"

#include "FlushProgress.h"
#include "SharedWords.h"
#include "SignalWatcher.h"
#include "Words.h"

#include "accounts/AccountStore.h"
#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"
#include "outbox/Dispatcher.h"
#include "outbox/MessageJson.h"
#include "smtp/Transport.h"
#include "storage/Storage.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
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

/// How often the progress line may change: often enough to look alive, rarely enough that a
/// flush of thousands of messages a second spends nothing on it (one query, one write).
constexpr int kProgressIntervalMs = 100;

/// One message in `flush --json`, with the names `list --json` uses for the same fields; for a
/// message sent to only some recipients also `refused` [{address, reply}], so a script needs
/// no `show` to learn who did not get it.
QJsonObject messageJson(const MessageSummary &m, const QList<RecipientRecord> &refused)
{
    QJsonValue who(QJsonValue::Null);
    if (m.delivery() == Delivery::Partial) {
        QJsonArray list;
        for (const RecipientRecord &r : refused)
            list.append(QJsonObject{{QStringLiteral("address"), QString::fromUtf8(r.address)},
                                    {QStringLiteral("reply"), json::replyOrNull(r.reply)}});
        who = list;
    }
    return {{QStringLiteral("id"), m.id},
            {QStringLiteral("account"), m.account},
            {QStringLiteral("state"), messageStateName(m.state)},
            {QStringLiteral("delivery"), json::delivery(m.delivery())},
            {QStringLiteral("refused_recipients"), m.refusedRecipients},
            {QStringLiteral("refused"), who},
            {QStringLiteral("class"), m.errorClass == ErrorClass::None
                                          ? QJsonValue(QJsonValue::Null)
                                          : QJsonValue(errorClassName(m.errorClass))},
            {QStringLiteral("last_reply"), json::replyOrNull(m.lastReply)},
            {QStringLiteral("last_error"),
             m.lastDetail.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(m.lastDetail)}};
}

/// The outbox as a whole after the flush, by state: what a running Outpost answers a handed
/// over flush with, and so the one kind of count both cases have.
QJsonObject outboxJson(int sent, int queued, int held, int failed)
{
    return {{QStringLiteral("sent"), sent},
            {QStringLiteral("queued"), queued},
            {QStringLiteral("held"), held},
            {QStringLiteral("failed"), failed}};
}
} // namespace

void Flush::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(
            &p, QStringLiteral("flush"), args,
            {{QStringLiteral("timeout"), QStringLiteral("give up after this long"),
              QStringLiteral("SECONDS")},
             {QStringLiteral("verbose"), QStringLiteral("print the protocol log and the pool")},
             {QStringLiteral("json"), QStringLiteral("a JSON summary instead of the text one")}}))
        return;
    if (strayArgument(
            QStringLiteral("flush"), p.positionalArguments(),
            QStringLiteral("usage: outpost flush [--timeout SECONDS] [--verbose] [--json]")))
        return;
    if (!m_clock.isValid())
        m_clock.start();
    m_json = p.isSet(QStringLiteral("json"));
    m_verbose = p.isSet(QStringLiteral("verbose"));
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
    ServiceOptions options = serviceOptions();
    options.role = SenderRole::Flush;
    m_service = std::make_unique<Service>(options);
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
    noteDiskFull();
    if (service->recoveredCount() > 0)
        err(QStringLiteral("%1 message(s) interrupted by an earlier stop were queued again")
                .arg(service->recoveredCount()));
    if (m_verbose) {
        connect(service, &Service::logLine, this,
                [this](const QString &, const QString &line) { console().errLine(line); });
        connect(service->transport(), &Transport::poolChanged, this, &Flush::printPool);
    }
    connect(service, &Service::notice, this, [this](const Notice &n) {
        if (n.kind == Notice::Kind::DiskFull)
            m_diskFull = true;
        err(words::noticeText(n, words::Front::Terminal));
        if (n.kind == Notice::Kind::AccountPaused && n.result.errorClass == ErrorClass::Certificate)
            printUntrustedCertificate(console(), n.account,
                                      certificateFacts(n.result.certificateChainPem));
    });
    // The messages this flush is about: everything queued and due once "send now" applies,
    // and those failed now because their account was removed. They are also the total of the
    // progress line and of --json: a message queued while the flush runs may go out with it
    // but is in neither, so "N of TOTAL" never moves its goal.
    m_ids = failOrphans(service);
    service->storage()->writeNow(&OutboxWriter::makeAllDue);
    m_ids << service->outbox()->dueIds();
    startProgress();
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
        if (!m_service->isBusy())
            stop(false);
    });
}

void Flush::handOver(const QStringList &args)
{
    // The running Outpost answers once, when it is done, with the outbox's totals: there is
    // nothing to count meanwhile, so a terminal gets one line that says so, not a progress.
    if (showsStatus())
        console().status(flushHandedOver());
    Service::sendToRunningInstance(
        context().dataDir, InstanceRequest{InstanceVerb::Flush, {}}, this,
        [this, args](bool ok, const InstanceReply &reply) {
            console().clearStatus();
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
            const Result r = reply.queued + reply.held > 0 ? Result::Deferred : Result::Ok;
            if (m_json) {
                // What this flush did is not known here, only the outbox's totals after it:
                // the counts of this flush are null rather than totals posing as them.
                const QJsonValue unknown(QJsonValue::Null);
                return finishJson(
                    {{QStringLiteral("handed_over"), true},
                     {QStringLiteral("total"), unknown},
                     {QStringLiteral("sent"), unknown},
                     {QStringLiteral("partial"), unknown},
                     {QStringLiteral("deferred"), unknown},
                     {QStringLiteral("failed"), unknown},
                     {QStringLiteral("held"), unknown},
                     {QStringLiteral("held_by_account"), unknown},
                     {QStringLiteral("stopped_early"), false},
                     {QStringLiteral("messages"), unknown},
                     {QStringLiteral("outbox"),
                      outboxJson(reply.sent, reply.queued, reply.held, reply.failed)}},
                    r);
            }
            out(QStringLiteral("handed to the running Outpost: %1 sent in all, %2 queued, %3 "
                               "held\n")
                    .arg(reply.sent)
                    .arg(reply.queued)
                    .arg(reply.held));
            finish(r);
        });
}

bool Flush::showsStatus() const
{
    // --verbose writes the protocol log to standard error as it happens: a line redrawn in
    // place there would cut into it.
    return !m_verbose && console().isTerminal(Console::Stream::Err);
}

void Flush::startProgress()
{
    if (!showsStatus() || m_ids.isEmpty())
        return;
    m_progress = new FlushProgress(m_service->outbox(), m_ids, this);
    m_progressTimer = new QTimer(this);
    m_progressTimer->setInterval(kProgressIntervalMs);
    connect(m_progressTimer, &QTimer::timeout, this, &Flush::drawProgress);
    m_progressTimer->start();
    drawProgress();
}

void Flush::drawProgress()
{
    const FlushCounts counts = m_progress->counts();
    const QString line = flushProgress(counts, m_progress->perSecond());
    if (line == m_lastStatus && console().statusShown())
        return;
    m_lastStatus = line;
    console().status(line);
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
    // The summary replaces the progress line: it is the same as without one.
    if (m_progressTimer)
        m_progressTimer->stop();
    console().clearStatus();
    const OutboxReader *store = m_service->outbox();
    int sent = 0, deferred = 0, failed = 0, held = 0;
    QJsonArray messages;
    // Sent to only some recipients: one line each, after the counts.
    QStringList partlySent;
    const QHash<qint64, MessageState> states = store->states(m_ids);
    for (const qint64 id : std::as_const(m_ids)) {
        const auto state = states.constFind(id);
        if (state == states.cend())
            continue; // deleted meanwhile (outpost cancel)
        std::optional<MessageSummary> summary;
        if (m_json || *state == MessageState::Held || *state == MessageState::Sent)
            summary = store->summary(id);
        QList<RecipientRecord> refused;
        if (summary && summary->delivery() == Delivery::Partial) {
            for (const RecipientRecord &r : store->recipients(id)) {
                if (r.state == MessageState::Failed)
                    refused << r;
            }
            partlySent << oneLine(
                words::partlySentLine(id, summary->recipientCount - summary->refusedRecipients,
                                      summary->recipientCount, refused));
        }
        if (*state == MessageState::Sent)
            ++sent;
        else if (*state == MessageState::Failed)
            ++failed;
        else if (*state == MessageState::Held && summary && summary->heldByAccount)
            ++held; // in the "held" lines below
        else
            ++deferred;
        if (m_json && summary)
            messages.append(messageJson(*summary, refused));
    }
    // Held because their account needs attention: stuck until the user acts, so the flush did
    // not get everything out.
    QMap<QString, int> stuck;
    store->forEachSummary(MessageState::Held, [&](const MessageSummary &m) {
        if (m.heldByAccount)
            ++stuck[m.account];
        return true;
    });
    // Outcomes or claims the disk had no room for: the one thing the user must act on.
    const Result r = m_diskFull                         ? Result::DiskFull
                     : deferred > 0 || !stuck.isEmpty() ? Result::Deferred
                     : failed > 0                       ? Result::SomeFailed
                     : !partlySent.isEmpty()            ? Result::SomeRecipientsRefused
                                                        : Result::Ok;
    if (m_json) {
        QJsonObject heldByAccount;
        for (auto it = stuck.cbegin(); it != stuck.cend(); ++it)
            heldByAccount.insert(it.key(), it.value());
        return finishJson(
            {{QStringLiteral("handed_over"), false},
             {QStringLiteral("total"), int(m_ids.size())},
             {QStringLiteral("sent"), sent},
             {QStringLiteral("partial"), int(partlySent.size())},
             {QStringLiteral("deferred"), deferred},
             {QStringLiteral("failed"), failed},
             {QStringLiteral("held"), held},
             {QStringLiteral("held_by_account"), heldByAccount},
             {QStringLiteral("stopped_early"), early},
             {QStringLiteral("messages"), messages},
             {QStringLiteral("outbox"),
              outboxJson(store->count(MessageState::Sent), store->count(MessageState::Queued),
                         store->count(MessageState::Held), store->count(MessageState::Failed))}},
            r);
    }
    out(QStringLiteral("%1 sent, %2 deferred, %3 failed%4\n")
            .arg(sent)
            .arg(deferred)
            .arg(failed)
            .arg(early ? QStringLiteral(" (stopped early)") : QString()));
    for (const QString &line : std::as_const(partlySent))
        out(line + QLatin1Char('\n'));
    for (auto it = stuck.cbegin(); it != stuck.cend(); ++it)
        out(QStringLiteral("%1 held: account \"%2\" needs attention (outpost list --state held; "
                           "outpost retry ID when fixed)\n")
                .arg(it.value())
                .arg(it.key()));
    finish(r);
}

void Flush::finishJson(QJsonObject summary, Result r)
{
    summary.insert(QStringLiteral("seconds"), double(m_clock.elapsed()) / 1000.0);
    summary.insert(QStringLiteral("result"), resultName(r));
    summary.insert(QStringLiteral("exit_code"), exitCode(r));
    console().outBytes(terminalSafeJson(QJsonDocument(summary).toJson(QJsonDocument::Indented)));
    finish(r);
}

} // namespace outpost::cli
