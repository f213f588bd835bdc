// Delivery status notification options of the command line (RFC 3461): `queue --notify/--ret/
// --envid` and sendmail's own -N/-R/-V. Usage errors exit 64 and queue nothing; an accepted
// request shows in `show`, `show --json` and `list --json`. Runs the built `outpost` binary.

#include "ServerProcess.h"

#include <QJsonArray>

using namespace outpost::test;

namespace {
const QByteArray kMessage =
    "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: dsn\r\n\r\nhello\r\n";

QString S(const char *utf8)
{
    return QString::fromUtf8(utf8);
}
QStringList L(std::initializer_list<const char *> items)
{
    QStringList out;
    for (const char *i : items)
        out << S(i);
    return out;
}
} // namespace

class TestCliDsn : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_data;
    QString dir() const { return m_data->path(); }

    QJsonArray list()
    {
        const RunResult r = runOutpost(dir(), {QStringLiteral("list"), QStringLiteral("--json")});
        return QJsonDocument::fromJson(r.out).array();
    }
    static QStringList queueArgs(const QStringList &extra)
    {
        return QStringList{QStringLiteral("queue"),
                           QStringLiteral("--to"),
                           QStringLiteral("bob@example.net"),
                           QStringLiteral("--subject"),
                           QStringLiteral("s"),
                           QStringLiteral("--body"),
                           QStringLiteral("b")} +
               extra;
    }

private slots:
    void init()
    {
        m_data = std::make_unique<QTemporaryDir>();
        QVERIFY(m_data->isValid());
        const RunResult r = runOutpost(
            dir(), {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("work"),
                    QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                    QStringLiteral("2525"), QStringLiteral("--security"), QStringLiteral("none"),
                    QStringLiteral("--from"), QStringLiteral("alice@example.org")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    void refused_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<bool>("stdinMessage");
        QTest::addColumn<QString>("error");
        auto q = [](std::initializer_list<const char *> extra) {
            return queueArgs(L(extra));
        };
        const QString s = QStringLiteral("sendmail");
        QTest::newRow("never with success")
            << q({"--notify", "never,success"}) << false
            << S("--notify: \"never\" cannot be combined with success, failure or delay");
        QTest::newRow("unknown notify") << q({"--notify", "success,bounce"}) << false
                                        << S("--notify: unknown notification \"bounce\"");
        QTest::newRow("empty notify")
            << q({"--notify", ""}) << false
            << S("--notify needs \"never\" or a list of success, failure, delay");
        QTest::newRow("unknown ret")
            << q({"--ret", "headers"}) << false << S("--ret is full or hdrs, not \"headers\"");
        QTest::newRow("envid too long")
            << (q({"--envid"}) << QString(101, QLatin1Char('x'))) << false
            << S("--envid: the envelope id is 101 characters long; at most 100 are allowed");
        QTest::newRow("envid with a tab")
            << q({"--envid", "a\tb"}) << false
            << S("--envid: the envelope id may hold only printable ASCII characters");
        QTest::newRow("envid non-ASCII")
            << (q({"--envid"}) << QStringLiteral("caf\u00e9")) << false
            << S("--envid: the envelope id may hold only printable ASCII characters");
        QTest::newRow("sendmail -N never,delay")
            << (QStringList{s} + L({"-N", "never,delay", "bob@example.net"})) << true
            << S("sendmail: -N: \"never\" cannot be combined");
        QTest::newRow("sendmail -Nbogus")
            << (QStringList{s} + L({"-Nbogus", "bob@example.net"})) << true
            << S("sendmail: -N: unknown notification \"bogus\"");
        QTest::newRow("sendmail -R all") << (QStringList{s} + L({"-R", "all", "bob@example.net"}))
                                         << true << S("sendmail: -R is full or hdrs, not \"all\"");
        QTest::newRow("sendmail -V too long")
            << (QStringList{s, S("-V"), QString(150, QLatin1Char('v')), S("bob@example.net")})
            << true << S("sendmail: -V: the envelope id is 150 characters long");
        QTest::newRow("sendmail -N without value")
            << (QStringList{s} + L({"bob@example.net", "-N"})) << true
            << S("sendmail: -N needs a value");
    }
    void refused()
    {
        QFETCH(QStringList, args);
        QFETCH(bool, stdinMessage);
        QFETCH(QString, error);
        const RunResult r = runOutpost(dir(), args, stdinMessage ? kMessage : QByteArray());
        QCOMPARE(r.exitCode, 64);
        QVERIFY2(QString::fromUtf8(r.err).contains(error), r.err.constData());
        QVERIFY(r.out.isEmpty());
        QCOMPARE(list().size(), 0); // nothing queued
    }

    void accepted_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<bool>("stdinMessage");
        QTest::addColumn<QString>("showLine"); // "" = no DSN line
        QTest::addColumn<QJsonValue>("json");
        auto q = [](std::initializer_list<const char *> extra) {
            return queueArgs(L(extra));
        };
        auto obj = [](const QJsonValue &n, const QJsonValue &r, const QJsonValue &e) {
            return QJsonValue(QJsonObject{{QStringLiteral("notify"), n},
                                          {QStringLiteral("ret"), r},
                                          {QStringLiteral("envid"), e}});
        };
        const QJsonValue null(QJsonValue::Null);
        const QString s = QStringLiteral("sendmail");
        QTest::newRow("queue, nothing asked") << q({}) << false << QString() << null;
        QTest::newRow("queue, all three")
            << q({"--notify", "delay,SUCCESS", "--ret", "hdrs", "--envid", "QQ 314+159"}) << false
            << S("  DSN:        notify=success,delay ret=hdrs envid=QQ 314+159")
            << obj(S("success,delay"), S("hdrs"), S("QQ 314+159"));
        QTest::newRow("queue, never")
            << q({"--notify", "never"}) << false << S("  DSN:        notify=never")
            << obj(S("never"), null, null);
        QTest::newRow("queue --eml, ret only")
            << L({"queue", "--eml", "-", "--ret", "full"}) << true << S("  DSN:        ret=full")
            << obj(null, S("full"), null);
        QTest::newRow("sendmail -N -R -V")
            << (QStringList{s} +
                L({"-N", "failure,delay", "-R", "hdrs", "-V", "id-1", "bob@example.net"}))
            << true << S("  DSN:        notify=failure,delay ret=hdrs envid=id-1")
            << obj(S("failure,delay"), S("hdrs"), S("id-1"));
        QTest::newRow("sendmail attached -Nsuccess -Rfull -Vx")
            << (QStringList{s} + L({"-oi", "-Nsuccess", "-Rfull", "-Vx", "-f", "alice@example.org",
                                    "bob@example.net"}))
            << true << S("  DSN:        notify=success ret=full envid=x")
            << obj(S("success"), S("full"), S("x"));
        QTest::newRow("sendmail, nothing asked")
            << (QStringList{s} + L({"-i", "bob@example.net"})) << true << QString() << null;
    }
    void accepted()
    {
        QFETCH(QStringList, args);
        QFETCH(bool, stdinMessage);
        QFETCH(QString, showLine);
        QFETCH(QJsonValue, json);
        RunResult r = runOutpost(dir(), args, stdinMessage ? kMessage : QByteArray());
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray l = list();
        QCOMPARE(l.size(), 1);
        const QJsonObject m = l.first().toObject();
        QCOMPARE(m.value(QLatin1String("dsn")), json);
        const QString id = QString::number(m.value(QLatin1String("id")).toInteger());
        r = runOutpost(dir(), {QStringLiteral("show"), id});
        QCOMPARE(r.exitCode, 0);
        const QStringList lines = QString::fromUtf8(r.out).split(QLatin1Char('\n'));
        if (showLine.isEmpty()) {
            for (const QString &line : lines)
                QVERIFY2(!line.contains(QLatin1String("DSN")), qPrintable(line));
        } else {
            QVERIFY2(lines.contains(showLine), r.out.constData());
        }
        r = runOutpost(dir(), {QStringLiteral("show"), id, QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject shown = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(shown.value(QLatin1String("dsn")), json);
        const QJsonArray history = shown.value(QLatin1String("history")).toArray();
        QCOMPARE(history.size(), 1);
        QCOMPARE(history.first().toObject().value(QLatin1String("notes")), QJsonArray());
    }

    void defaultNotifyFromSettings()
    {
        // dsn.notify (global, then per account) fills NOTIFY when a message does not say it.
        RunResult r = runOutpost(dir(), {QStringLiteral("config"), QStringLiteral("set"),
                                         QStringLiteral("dsn.notify"), QStringLiteral("bounce")});
        QCOMPARE(r.exitCode, 64);
        QVERIFY2(r.err.contains("dsn.notify is \"default\""), r.err.constData());
        r = runOutpost(dir(), {QStringLiteral("config"), QStringLiteral("set"),
                               QStringLiteral("dsn.notify"), QStringLiteral("failure,delay")});
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(dir(), {QStringLiteral("config"), QStringLiteral("set"),
                               QStringLiteral("--account"), QStringLiteral("work"),
                               QStringLiteral("dsn.notify"), QStringLiteral("never")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(runOutpost(dir(), queueArgs({})).exitCode, 0);
        QCOMPARE(runOutpost(dir(), queueArgs(L({"--notify", "success", "--ret", "hdrs"}))).exitCode,
                 0);
        r = runOutpost(dir(), {QStringLiteral("config"), QStringLiteral("unset"),
                               QStringLiteral("--account"), QStringLiteral("work"),
                               QStringLiteral("dsn.notify")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(runOutpost(dir(), {QStringLiteral("sendmail"), QStringLiteral("bob@example.net")},
                            kMessage)
                     .exitCode,
                 0);
        r = runOutpost(dir(), {QStringLiteral("config"), QStringLiteral("set"),
                               QStringLiteral("dsn.notify"), QStringLiteral("default")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(runOutpost(dir(), queueArgs({})).exitCode, 0);
        const QJsonArray l = list(); // newest first
        QCOMPARE(l.size(), 4);
        auto notify = [&l](int i) {
            return l.at(i)
                .toObject()
                .value(QLatin1String("dsn"))
                .toObject()
                .value(QLatin1String("notify"));
        };
        QCOMPARE(l.at(0).toObject().value(QLatin1String("dsn")), QJsonValue(QJsonValue::Null));
        QCOMPARE(notify(1), QJsonValue(S("failure,delay"))); // global, for sendmail too
        QCOMPARE(notify(2), QJsonValue(S("success")));       // the message's own
        QCOMPARE(notify(3), QJsonValue(S("never")));         // the account's
    }

    void versionFlagOnlyBeforeACommand()
    {
        // -V is sendmail's ENVID flag after the command; before any command it is --version.
        RunResult r = runOutpost(dir(), {QStringLiteral("-V")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("outpost "));
        r = runOutpost(dir(),
                       {QStringLiteral("sendmail"), QStringLiteral("-V"), QStringLiteral("env-9"),
                        QStringLiteral("bob@example.net")},
                       kMessage);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(!r.out.startsWith("outpost "));
        QCOMPARE(list()
                     .first()
                     .toObject()
                     .value(QLatin1String("dsn"))
                     .toObject()
                     .value(QLatin1String("envid")),
                 QJsonValue(QStringLiteral("env-9")));
    }
};

QTEST_GUILESS_MAIN(TestCliDsn)
#include "tst_cli_dsn.moc"
