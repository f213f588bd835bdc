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
#include "outbox/OutboxStore.h"
#include "outbox/Service.h"

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
        const auto rec = m_service->store()->message(m_ids.value(id));
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
};

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
