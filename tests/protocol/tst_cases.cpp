// Every shared scripted-server case (tests/cases/*.txt, format v1) as one data row, run in
// process against the core Service (design.md, tests/cases/README.md). Run one case alone
// with its data tag: `tst_cases B019` (same as `tst_cases cases:B019`). With OUTPOST_CASE_VERBOSE=1
// the report (transcripts, message states, protocol log) is printed for passing cases too;
// OUTPOST_CASES_DIR=DIR runs the case files of DIR instead of tests/cases.

#include "CaseFile.h"
#include "CaseRunner.h"

#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "accounts/Settings.h"
#include "mime/Address.h"
#include "outbox/Connectivity.h"
#include "outbox/Service.h"
#include "storage/Storage.h"

#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <ctime>

using namespace outpost;
using namespace outpost::testsupport;

namespace {

/// The core Service as a CaseApp: accounts and settings from CONFIG, messages from MSG,
/// APP events mapped onto the Service API (service-api.md).
class ServiceApp : public CaseApp
{
public:
    ~ServiceApp() override { tearDown(); }

    bool setUp(const CaseEnvironment &env, QString *error) override
    {
        m_env = env;
        const CaseFile &cf = *env.caseFile;
        // SETUP: env (time zone, locale) for the in-process app and the cli children
        for (auto it = cf.env.cbegin(); it != cf.env.cend(); ++it) {
            m_savedEnv.insert(it.key(), qgetenv(qPrintable(it.key())));
            qputenv(qPrintable(it.key()), it.value().toUtf8());
        }
        if (cf.env.contains(QStringLiteral("TZ")))
            tzset();
        if (!startService(error))
            return false;
        for (const QString &acc : cf.accountOrder) {
            Account a;
            if (!accountFromConfig(acc, &a, error))
                return false;
            if (!m_service->accounts()->add(a, error)) {
                *error = QStringLiteral("account %1: %2").arg(acc, *error);
                return false;
            }
            m_credentials.writePassword(acc,
                                        QString::fromUtf8(cf.setting(acc, QStringLiteral("pass"))),
                                        [](bool, const QString &) {});
            const QStringList known = Settings::keys();
            const auto cfg = cf.config.value(acc);
            for (auto it = cfg.cbegin(); it != cfg.cend(); ++it) {
                if (!known.contains(it.key()))
                    continue;
                if (!m_service->settings()->set(acc, it.key(), QString::fromUtf8(it.value()),
                                                error)) {
                    *error = QStringLiteral("setting %1=%2 for %3: %4")
                                 .arg(it.key(), QString::fromUtf8(it.value()), acc, *error);
                    return false;
                }
            }
        }
        return true;
    }

    void runEvent(const AppEvent &e, std::function<void(const QString &)> done) override
    {
        const QString &n = e.name;
        if (n == QLatin1String("restart")) {
            QString err;
            if (m_service) {
                done(QStringLiteral("restart while the app still runs"));
                return;
            }
            done(startService(&err) ? QString() : err);
            return;
        }
        if (!m_service || m_exited) {
            done(QStringLiteral("the app is not running"));
            return;
        }
        if (n == QLatin1String("enqueue")) {
            for (const QString &id : e.args)
                enqueue(id);
            done({});
        } else if (n == QLatin1String("flush")) {
            m_service->flush();
            done({});
        } else if (n == QLatin1String("offline") || n == QLatin1String("online")) {
            m_service->connectivity()->setOverride(n == QLatin1String("offline")
                                                       ? Connectivity::Reachability::Offline
                                                       : Connectivity::Reachability::Online);
            done({});
        } else if (n == QLatin1String("quit")) {
            const int deadline = int(m_env.caseFile->intSetting(
                QStringLiteral("A"), QStringLiteral("shutdown.deadline_ms"), 3000));
            m_quitting = true;
            m_service->shutdown(deadline);
            done({});
        } else if (n == QLatin1String("kill")) {
            snapshot();
            delete m_service;
            m_service = nullptr;
            done({});
        } else if (n == QLatin1String("set")) {
            done(applySet(e));
        } else if (n == QLatin1String("user-retry")) {
            for (const QString &id : e.args) {
                QString err;
                if (!m_ids.contains(id)) {
                    done(QStringLiteral("%1 was not queued").arg(id));
                    return;
                }
                if (!m_service->retry(m_ids.value(id), &err))
                    m_diag << QStringLiteral("retry %1 refused: %2").arg(id, err);
            }
            done({});
        } else if (n == QLatin1String("cli")) {
            runCli(e.args);
            done({});
        } else {
            done(QStringLiteral("unsupported APP event %1").arg(n));
        }
    }

    bool busy() const override { return m_service && !m_exited && m_busy; }

    std::optional<MessageView> message(const QString &id) const override
    {
        if (m_rejected.contains(id)) {
            MessageView v;
            v.state = QStringLiteral("rejected");
            v.errorClass = QStringLiteral("local");
            return v;
        }
        if (!m_ids.contains(id))
            return std::nullopt;
        if (!m_service)
            return m_snapshot.contains(id) ? std::optional<MessageView>(m_snapshot.value(id))
                                           : std::nullopt;
        const auto rec = m_service->outbox()->message(m_ids.value(id));
        if (!rec)
            return std::nullopt;
        MessageView v;
        v.state = messageStateName(rec->state);
        v.errorClass = errorClassName(rec->errorClass);
        v.lastReplyCode = rec->lastReply.code;
        v.lastReplyText = rec->lastReply.text();
        for (const RecipientRecord &r : rec->recipients)
            v.recipients.insert(QString::fromUtf8(r.address).toLower(), messageStateName(r.state));
        v.attempts = rec->attempts;
        v.uncertain = rec->uncertain;
        v.messageId = rec->messageId;
        if (rec->delivery() != Delivery::None)
            v.delivery = deliveryName(rec->delivery());
        v.queuedAt = m_queuedAt.value(id);
        for (const HistoryEntry &h : rec->history) {
            for (const QString &note : h.notes) {
                if (!v.historyNotes.contains(note))
                    v.historyNotes << note;
            }
        }
        return v;
    }

    int notices(const QString &id) const override
    {
        if (id.isEmpty())
            return m_notices.size();
        int n = 0;
        for (qint64 mid : m_notices)
            n += (m_ids.contains(id) && mid == m_ids.value(id)) ? 1 : 0;
        return n;
    }

    qint64 exitedAt() const override { return m_exitedAt; }

    QStringList diagnostics() const override
    {
        QStringList out = m_diag;
        if (m_service)
            out += m_service->recentLog();
        else
            out += m_lastLog;
        return out;
    }

    void tearDown() override
    {
        for (QProcess *p : std::as_const(m_cli)) {
            if (p->state() != QProcess::NotRunning && !p->waitForFinished(5000))
                p->kill();
            p->waitForFinished(1000);
            delete p;
        }
        m_cli.clear();
        if (m_service)
            snapshot();
        delete m_service;
        m_service = nullptr;
        for (auto it = m_savedEnv.cbegin(); it != m_savedEnv.cend(); ++it) {
            if (it.value().isNull())
                qunsetenv(qPrintable(it.key()));
            else
                qputenv(qPrintable(it.key()), it.value());
        }
        if (m_savedEnv.contains(QStringLiteral("TZ")))
            tzset();
        m_savedEnv.clear();
    }

private:
    bool startService(QString *error)
    {
        ServiceOptions o;
        o.dataDir = m_env.dataDir;
        o.credentials = &m_credentials;
        o.resolveHost = [](const QString &host) {
            if (host.endsWith(QLatin1String(".example.net")) ||
                host.endsWith(QLatin1String(".example")))
                return QStringLiteral("127.0.0.1");
            return host;
        };
        o.singleInstance = true;
        m_service = new Service(o);
        m_busy = false;
        m_exited = false;
        QObject::connect(m_service, &Service::notice, m_service, [this](const Notice &n) {
            // README: `notices` counts user-visible *failure* notifications; a "batch sent"
            // notice is not one.
            if (n.kind != Notice::Kind::BatchSent)
                m_notices.append(n.messageId);
            m_diag << QStringLiteral("[%1 ms] notice kind=%2 account=%3 message=%4 class=%5")
                          .arg(m_env.clock->elapsed())
                          .arg(int(n.kind))
                          .arg(n.account)
                          .arg(n.messageId)
                          .arg(errorClassName(n.result.errorClass));
        });
        QObject::connect(m_service, &Service::activityChanged, m_service,
                         [this](bool busy) { m_busy = busy; });
        QObject::connect(
            m_service, &Service::shutdownFinished, m_service, [this](int clean, int aborted) {
                m_exitedAt = m_env.clock->elapsed();
                m_exited = true;
                m_diag << QStringLiteral("[%1 ms] shutdownFinished clean=%2 aborted=%3")
                              .arg(m_exitedAt)
                              .arg(clean)
                              .arg(aborted);
            });
        if (!m_service->open(error)) {
            delete m_service;
            m_service = nullptr;
            return false;
        }
        return true;
    }

    bool accountFromConfig(const QString &acc, Account *a, QString *error) const
    {
        const CaseFile &cf = *m_env.caseFile;
        auto s = [&](const char *k) {
            return QString::fromUtf8(cf.setting(acc, QLatin1String(k)));
        };
        a->name = acc;
        a->host = s("host");
        bool ok = false;
        const int port = s("port").toInt(&ok);
        a->port = ok ? quint16(port) : m_env.ports.value(acc);
        const QString tls = s("tls");
        if (tls == QLatin1String("none"))
            a->security = Security::None;
        else if (tls == QLatin1String("starttls"))
            a->security = Security::StartTls;
        else if (tls == QLatin1String("implicit"))
            a->security = Security::Tls;
        else {
            *error = QStringLiteral("unknown tls=%1").arg(tls);
            return false;
        }
        a->auth = s("auth");
        a->user = s("user");
        a->from = s("from");
        const QString ca = s("tls.ca");
        a->caFile = ca.startsWith(QLatin1Char('<')) ? m_env.caFile : ca;
        // Work-around: AccountStore::add() stores a null QString as SQL NULL and the columns
        // are NOT NULL (reported to core); empty-but-not-null strings avoid that.
        a->passwordCommand = QStringLiteral("");
        a->pinSha256 = QStringLiteral("");
        return true;
    }

    void enqueue(const QString &id)
    {
        const CaseMessage *cm = m_env.caseFile->message(id);
        Service::EnqueueResult r;
        // MSG notify/ret/envid: parsed as `outpost queue --notify/--ret/--envid` does.
        DsnRequest dsn;
        const bool dsnOk =
            (!cm->notify ||
             parseDsnNotify(QString::fromUtf8(*cm->notify), &dsn.notify) == DsnProblem::None) &&
            (!cm->ret || parseDsnRet(QString::fromUtf8(*cm->ret), &dsn.ret) == DsnProblem::None) &&
            (!cm->envid || checkDsnEnvid(QString::fromUtf8(*cm->envid)) == DsnProblem::None);
        if (cm->envid)
            dsn.envid = *cm->envid;
        if (!dsnOk) {
            m_rejected.insert(id);
            m_diag << QStringLiteral("%1 rejected at enqueue: invalid DSN request").arg(id);
            return;
        }
        if (cm->raw) {
            r = m_service->enqueueRaw(cm->account, *cm->raw, cm->mailFrom, cm->rcpt, {}, dsn);
        } else {
            mime::Draft d;
            // Addresses go through the core's parser, as the compose window and the CLI do.
            // Where it refuses one (CR/LF in a name or an address), the text is split by hand
            // ("Name <addr>") and Service::enqueue() decides: the composer must then refuse
            // or neutralise it itself (defence in depth, B047/B048).
            auto one = [this, &id](const QByteArray &text) {
                const QString t = QString::fromUtf8(text);
                const mime::AddressListResult p = mime::parseAddressList(t);
                if (p.ok() && p.mailboxes.size() == 1)
                    return p.mailboxes.first();
                mime::Mailbox mb;
                const qsizetype lt = t.lastIndexOf(QLatin1Char('<'));
                if (lt >= 0 && t.endsWith(QLatin1Char('>'))) {
                    mb.name = t.left(lt).trimmed();
                    mb.address = t.mid(lt + 1, t.size() - lt - 2);
                } else {
                    mb.address = t;
                }
                m_diag << QStringLiteral(
                              "%1: parseAddressList refused \"%2\" (%3); handed to enqueue as is")
                              .arg(id, printable(text), p.error);
                return mb;
            };
            d.from = one(cm->from);
            for (const QByteArray &a : cm->to)
                d.to.append(one(a));
            for (const QByteArray &a : cm->cc)
                d.cc.append(one(a));
            for (const QByteArray &a : cm->bcc)
                d.bcc.append(one(a));
            d.subject = QString::fromUtf8(cm->subject);
            d.textBody = QString::fromUtf8(cm->body);
            for (const CaseAttachment &att : cm->attachments)
                d.attachments.append(mime::Attachment{att.name, att.bytes(), QString()});
            for (const QByteArray &h : cm->headers) {
                const qsizetype colon = h.indexOf(':');
                d.extraHeaders.append({QString::fromUtf8(h.left(colon)),
                                       QString::fromUtf8(h.mid(colon + 1).trimmed())});
            }
            r = m_service->enqueue(cm->account, d, {}, MessageState::Queued, dsn);
        }
        if (!r.ok()) {
            m_rejected.insert(id);
            m_diag << QStringLiteral("%1 rejected at enqueue: %2").arg(id, r.error);
            return;
        }
        m_ids.insert(id, r.id);
        m_queuedAt.insert(id, QDateTime::currentDateTimeUtc());
    }

    QString applySet(const AppEvent &e)
    {
        for (const auto &kv : e.settings) {
            const QString value = QString::fromUtf8(kv.second);
            QString err;
            if (kv.first == QLatin1String("pass")) {
                m_service->setPassword(e.account, value);
            } else if (Settings::keys().contains(kv.first)) {
                if (!m_service->settings()->set(e.account, kv.first, value, &err))
                    return err;
            } else {
                auto a = m_service->accounts()->find(e.account);
                if (!a)
                    return QStringLiteral("no account %1").arg(e.account);
                if (kv.first == QLatin1String("host"))
                    a->host = value;
                else if (kv.first == QLatin1String("user"))
                    a->user = value;
                else if (kv.first == QLatin1String("from"))
                    a->from = value;
                else if (kv.first == QLatin1String("auth"))
                    a->auth = value;
                else
                    return QStringLiteral("unsupported setting %1").arg(kv.first);
                if (!m_service->accounts()->update(*a, &err))
                    return err;
            }
        }
        return {};
    }

    void runCli(const QStringList &args)
    {
        auto *p = new QProcess;
        // ctest sets OUTPOST_BINARY_DIR; by hand the binary sits at build/tests/protocol
        QString binDir = qEnvironmentVariable("OUTPOST_BINARY_DIR");
        if (binDir.isEmpty())
            binDir = QCoreApplication::applicationDirPath() + QStringLiteral("/../..");
        const QString bin = binDir + QStringLiteral("/app/outpost");
        p->setProgram(bin);
        p->setArguments(QStringList{QStringLiteral("--data-dir"), m_env.dataDir} + args);
        p->setProcessChannelMode(QProcess::MergedChannels);
        const QString what = args.join(QLatin1Char(' '));
        QObject::connect(
            p, &QProcess::finished, p, [this, p, what](int code, QProcess::ExitStatus st) {
                m_diag << QStringLiteral("[%1 ms] cli `%2` exited %3%4: %5")
                              .arg(m_env.clock->elapsed())
                              .arg(what)
                              .arg(code)
                              .arg(st == QProcess::CrashExit ? QStringLiteral(" (crashed)")
                                                             : QString())
                              .arg(QString::fromUtf8(p->readAll()).trimmed().left(500));
            });
        QObject::connect(p, &QProcess::errorOccurred, p, [this, p, what](QProcess::ProcessError) {
            m_diag << QStringLiteral("cli `%1`: %2").arg(what, p->errorString());
        });
        p->start();
        m_cli.append(p);
    }

    void snapshot()
    {
        for (auto it = m_ids.cbegin(); it != m_ids.cend(); ++it) {
            if (const auto v = message(it.key()))
                m_snapshot.insert(it.key(), *v);
        }
        m_lastLog = m_service->recentLog();
    }

    CaseEnvironment m_env;
    MemoryCredentialStore m_credentials;
    Service *m_service = nullptr;
    bool m_busy = false;
    bool m_exited = false;
    bool m_quitting = false;
    qint64 m_exitedAt = -1;
    QHash<QString, qint64> m_ids;
    QHash<QString, QDateTime> m_queuedAt;
    QSet<QString> m_rejected;
    QHash<QString, MessageView> m_snapshot;
    QList<qint64> m_notices;
    QStringList m_diag, m_lastLog;
    QList<QProcess *> m_cli;
    QHash<QString, QByteArray> m_savedEnv;
};

} // namespace

class TestCases : public QObject
{
    Q_OBJECT
private slots:
    void cases_data();
    void cases();
    void unexpectedReplies_data();
    void unexpectedReplies();
};

namespace {

/// One step of a generated dialogue: what the client sends, then the server's normal reply.
struct Step
{
    QByteArray name;       ///< the state under test when the server's reply is replaced
    QList<QByteArray> out; ///< the client's directives (case-file lines)
    QByteArray reply;      ///< the normal reply (escaped, as after "S: ")
    QByteArray after;      ///< directives after the normal reply (a TLS handshake)
};

/// A raw message of exactly `octets` octets (header block plus 80-octet lines).
QByteArray rawMessage(int octets)
{
    const QByteArray head = "From: alice@example.org\\r\\nTo: bob@example.net\\r\\nSubject: U\\r\\n"
                            "Date: Mon, 06 Jan 2025 10:00:00 +0000\\r\\n"
                            "Message-ID: <u.1@example.org>\\r\\n\\r\\n";
    const int headOctets = int(head.size()) - 6 * 2; // each \\r\\n: 4 characters, 2 octets
    const int body = octets - headOctets;
    const int lines = body / 80;
    const int rest = body - lines * 80;
    QByteArray out =
        head + "{rep:" + QByteArray::number(lines) + ':' + QByteArray(78, 'x') + "\\r\\n}";
    if (rest >= 2)
        out += QByteArray(rest - 2, 'y') + "\\r\\n";
    return out;
}

} // namespace

// Every state of a session and a transaction, each answered once with a reply the protocol
// does not allow there (a 2xx or 3xx it never sends at that point) or with a 4xx/5xx: the
// message is never taken as sent, an unexpected positive reply is a protocol error (the
// message deferred, the session closed without QUIT), and refusals keep their class.
void TestCases::unexpectedReplies_data()
{
    QTest::addColumn<QByteArray>("caseText");
    const QByteArray ehlo = "C~: EHLO [^\\r\\n]+\\r\\n";
    const QList<Step> lockstep = {
        {"greeting", {}, "220 smtp.example.net ESMTP ready\\r\\n", {}},
        {"ehlo", {ehlo}, "250-smtp.example.net\\r\\n250 STARTTLS\\r\\n", {}},
        {"starttls",
         {"C: STARTTLS\\r\\n"},
         "220 2.0.0 Ready to start TLS\\r\\n",
         "TLS: cert=valid"},
        {"ehlo-tls",
         {ehlo},
         "250-smtp.example.net\\r\\n250-CHUNKING\\r\\n250 AUTH PLAIN LOGIN\\r\\n",
         {}},
        {"auth",
         {"C: AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHMzY3JldA==\\r\\n"},
         "235 2.7.0 Authentication successful\\r\\n",
         {}},
        {"mail", {"C: MAIL FROM:<alice@example.org>\\r\\n"}, "250 2.1.0 Ok\\r\\n", {}},
        {"rcpt", {"C: RCPT TO:<bob@example.net>\\r\\n"}, "250 2.1.5 Ok\\r\\n", {}},
        {"bdat", {"C*: <bdat>"}, "250 2.0.0 512 octets\\r\\n", {}},
        {"bdat-second", {"C*: <bdat>"}, "250 2.0.0 1024 octets\\r\\n", {}},
        {"bdat-last", {"C*: <bdat last>"}, "250 2.0.0 Ok: queued\\r\\n", {}},
    };
    // The same without CHUNKING: DATA and the end marker.
    QList<Step> data = lockstep.mid(0, 7);
    data[3].reply = "250-smtp.example.net\\r\\n250 AUTH PLAIN LOGIN\\r\\n";
    data << Step{"data", {"C: DATA\\r\\n"}, "354 End data with <CR><LF>.<CR><LF>\\r\\n", {}}
         << Step{"data-end", {"C*: <data>"}, "250 2.0.0 Ok: queued\\r\\n", {}};
    // HELO after a refused EHLO (plain, no extensions).
    const QList<Step> helo = {
        {"greeting", {}, "220 smtp.example.net ESMTP ready\\r\\n", {}},
        {"ehlo-refused", {ehlo}, "502 5.5.2 Error: command not recognized\\r\\n", {}},
        {"helo", {"C~: HELO [^\\r\\n]+\\r\\n"}, "250 smtp.example.net\\r\\n", {}},
    };

    // What a 4xx / 5xx does in each state (unexpected positives are always `protocol`,
    // the message queued).
    struct Refusal
    {
        QByteArray code4, expect4, code5, expect5;
    };
    const QHash<QByteArray, Refusal> refusals = {
        {"greeting",
         {"421 4.3.2 Try later", "state(m1)=queued class(m1)=transient", "554 5.7.1 No service",
          "state(m1)=queued class(m1)=transient"}},
        {"ehlo",
         {"451 4.3.0 Try later", "state(m1)=queued class(m1)=transient", "554 5.7.1 Go away",
          "state(m1)=failed class(m1)=permanent"}},
        {"helo",
         {"451 4.3.0 Try later", "state(m1)=queued class(m1)=transient", "554 5.7.1 Go away",
          "state(m1)=failed class(m1)=permanent"}},
        {"starttls",
         {"454 4.7.0 TLS not available", "state(m1)=held class(m1)=tls", "554 5.7.0 No TLS for you",
          "state(m1)=held class(m1)=tls"}},
        {"auth",
         {"454 4.7.0 Temporary authentication failure", "state(m1)=queued class(m1)=transient",
          "535 5.7.8 Authentication credentials invalid", "state(m1)=held class(m1)=auth"}},
        {"mail",
         {"451 4.3.0 Try later", "state(m1)=queued class(m1)=transient", "550 5.7.1 Sender refused",
          "state(m1)=failed class(m1)=permanent"}},
        {"rcpt",
         {"450 4.2.0 Mailbox busy", "state(m1)=queued class(m1)=transient",
          "550 5.1.1 No such user", "state(m1)=failed class(m1)=permanent"}},
        {"data",
         {"451 4.3.0 Try later", "state(m1)=queued class(m1)=transient",
          "554 5.5.1 No valid recipients", "state(m1)=failed class(m1)=permanent"}},
        {"data-end",
         {"451 4.3.0 Try later", "state(m1)=queued class(m1)=transient",
          "554 5.7.1 Rejected as spam", "state(m1)=failed class(m1)=permanent"}},
        {"bdat",
         {"452 4.3.1 Insufficient storage", "state(m1)=queued class(m1)=transient",
          "552 5.3.4 Too big", "state(m1)=failed class(m1)=permanent"}},
        {"bdat-last",
         {"451 4.3.0 Try later", "state(m1)=queued class(m1)=transient",
          "554 5.7.1 Rejected as spam", "state(m1)=failed class(m1)=permanent"}},
    };
    // The replies no state here allows in place of its own (2xx where 220/250/334/354 is due,
    // 3xx where a 2xx or 220 is due).
    const auto unexpectedPositives = [](const QByteArray &state) -> QList<QByteArray> {
        if (state == "mail" || state == "rcpt" || state == "bdat" || state == "bdat-last" ||
            state == "data-end")
            return {"354 Go ahead", "334 VXNlcm5hbWU6"};
        if (state == "data")
            return {"250 2.0.0 Ok", "334 VXNlcm5hbWU6"};
        if (state == "auth")
            return {"250 2.0.0 Ok", "354 Go ahead"};
        if (state == "greeting" || state == "starttls")
            return {"250 smtp.example.net", "221 2.0.0 Bye", "354 Go ahead"};
        return {"220 smtp.example.net", "354 Go ahead", "235 2.7.0 Ok"}; // EHLO, HELO
    };

    // Each state once: the DATA and HELO dialogues add only the states of their own.
    const auto add = [&](const QList<Step> &steps, const QByteArray &config,
                         const QList<QByteArray> &only) {
        for (int k = 0; k < steps.size(); ++k) {
            const Step &at = steps[k];
            if (!refusals.contains(at.name) || (!only.isEmpty() && !only.contains(at.name)))
                continue;
            QList<QPair<QByteArray, QByteArray>> rows; // reply, expectation
            for (const QByteArray &p : unexpectedPositives(at.name))
                rows.append({p, "state(m1)=queued class(m1)=protocol"});
            const Refusal &r = refusals[at.name];
            rows.append({r.code4, r.expect4});
            rows.append({r.code5, r.expect5});
            for (const auto &[reply, expect] : rows) {
                QByteArray text = "ID: U" + at.name + '-' + reply.left(3) + '\n';
                text += "TITLE: " + reply + " to " + at.name + '\n';
                text += "KIND: unexpected-reply\n";
                text += "CONFIG: " + config + '\n';
                text += "MSG m1.raw: " + rawMessage(1200) + '\n';
                text += "MSG m1.mail_from: alice@example.org\nMSG m1.rcpt: bob@example.net\n";
                text += "APP: enqueue m1\nAPP: flush\nCONN: 1\n";
                for (int j = 0; j < k; ++j) {
                    for (const QByteArray &o : steps[j].out)
                        text += o + '\n';
                    text += "S: " + steps[j].reply + '\n';
                    if (!steps[j].after.isEmpty())
                        text += steps[j].after + '\n';
                }
                for (const QByteArray &o : at.out)
                    text += o + '\n';
                text += "S: " + reply + "\\r\\n\n";
                const bool positive = reply.startsWith('2') || reply.startsWith('3');
                if (positive)
                    text += "EOF-EXPECTED\n";
                text += "EXPECT: " + expect + " deliveries=0 conns=1\n";
                if (positive)
                    text += "EXPECT: wire_lacks=QUIT\\r\\n\n";
                QTest::newRow(("U-" + at.name + '-' + reply.left(3)).constData()) << text;
            }
        }
    };
    add(lockstep, "tls=starttls auth=plain pipelining=off chunking.chunk_size=512", {});
    add(data, "tls=starttls auth=plain pipelining=off chunking=off", {"data", "data-end"});
    add(helo, "tls=none auth=none pipelining=off", {"helo"});
}

void TestCases::unexpectedReplies()
{
    QFETCH(QByteArray, caseText);
    QString err;
    const auto cf = CaseFile::parse(caseText, &err);
    QVERIFY2(cf, qPrintable(err + QLatin1Char('\n') + QString::fromUtf8(caseText)));
    QTemporaryDir dataDir;
    QVERIFY(dataDir.isValid());
    ServiceApp app;
    CaseRunner runner(*cf, &app);
    const bool ok = runner.run(dataDir.path());
    if (!ok || qEnvironmentVariableIntValue("OUTPOST_CASE_VERBOSE"))
        qInfo().noquote() << QString::fromUtf8(caseText) << runner.report();
    QVERIFY2(ok, qPrintable(runner.failures().join(QLatin1String("\n  "))));
}

void TestCases::cases_data()
{
    QTest::addColumn<QString>("path");
    // OUTPOST_CASES_DIR runs the cases of another directory (e.g. /work/shared/cases)
    const QString override = qEnvironmentVariable("OUTPOST_CASES_DIR");
    const QDir dir(override.isEmpty() ? QStringLiteral(OUTPOST_TEST_CASES_DIR) : override);
    const QStringList files = dir.entryList({QStringLiteral("*.txt")}, QDir::Files, QDir::Name);
    QVERIFY2(!files.isEmpty(), OUTPOST_TEST_CASES_DIR);
    for (const QString &f : files)
        QTest::newRow(qPrintable(f.section(QLatin1Char('-'), 0, 0))) << dir.filePath(f);
}

void TestCases::cases()
{
    QFETCH(QString, path);
    QString err;
    const auto cf = CaseFile::load(path, &err);
    QVERIFY2(cf, qPrintable(err));
    QTemporaryDir dataDir;
    QVERIFY(dataDir.isValid());
    ServiceApp app;
    CaseRunner runner(*cf, &app);
    const bool ok = runner.run(dataDir.path());
    if (!ok || qEnvironmentVariableIntValue("OUTPOST_CASE_VERBOSE"))
        qInfo().noquote() << runner.report();
    QVERIFY2(ok, qPrintable(runner.failures().join(QLatin1String("\n  "))));
}

// QTEST_GUILESS_MAIN, plus one convenience: a bare case id on the command line ("B019")
// selects that data row, as "cases:B019" does.
int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    app.setAttribute(Qt::AA_Use96Dpi, true);
    TestCases tc;
    QTEST_SET_MAIN_SOURCE_PATH
    QStringList args = app.arguments();
    static const QRegularExpression caseId(QStringLiteral("^B\\d{3}$"));
    for (QString &a : args) {
        if (caseId.match(a).hasMatch())
            a = QStringLiteral("cases:") + a;
    }
    return QTest::qExec(&tc, args);
}

#include "tst_cases.moc"
