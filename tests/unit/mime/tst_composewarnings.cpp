// composeWarnings(): the size and SMTPUTF8 warnings of the compose window, decided from the
// capabilities remembered from the server's last EHLO.

#include "mime/ComposeWarnings.h"

#include <QtTest>

using namespace outpost::mime;

class TestComposeWarnings : public QObject
{
    Q_OBJECT
private slots:
    void decide_data();
    void decide();
};

void TestComposeWarnings::decide_data()
{
    QTest::addColumn<QStringList>("caps");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QStringList>("recipients");
    QTest::addColumn<bool>("known");
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<bool>("tooLarge");
    QTest::addColumn<QStringList>("needSmtpUtf8");

    const QString alice = QStringLiteral("alice@example.org");
    const QString joran = QStringLiteral("j\u00F6ran@example.net");
    const QString idn = QStringLiteral("bob@b\u00FCcher.example");
    const QStringList gmail = {QStringLiteral("8BITMIME"), QStringLiteral("PIPELINING"),
                               QStringLiteral("SIZE 35882577"), QStringLiteral("SMTPUTF8")};
    const QStringList noUtf8 = {QStringLiteral("8BITMIME"), QStringLiteral("SIZE 1000")};

    QTest::newRow("unknown: never connected")
        << QStringList() << qint64(99999999) << joran << QStringList{joran} << false << qint64(0)
        << false << QStringList();
    QTest::newRow("under the limit")
        << gmail << qint64(35882577) << alice << QStringList{QStringLiteral("bob@example.net")}
        << true << qint64(35882577) << false << QStringList();
    QTest::newRow("one octet over") << gmail << qint64(35882578) << alice << QStringList{alice}
                                    << true << qint64(35882577) << true << QStringList();
    QTest::newRow("SIZE without a number")
        << QStringList{QStringLiteral("SIZE")} << qint64(1) << alice << QStringList{alice} << true
        << qint64(0) << false << QStringList();
    QTest::newRow("SIZE 0: no fixed limit")
        << QStringList{QStringLiteral("SIZE 0")} << qint64(1) << alice << QStringList{alice} << true
        << qint64(0) << false << QStringList();
    QTest::newRow("no SIZE keyword")
        << QStringList{QStringLiteral("PIPELINING")} << qint64(1) << alice << QStringList{alice}
        << true << qint64(0) << false << QStringList();
    QTest::newRow("lower-case keywords")
        << QStringList{QStringLiteral("size 100")} << qint64(101) << alice << QStringList{alice}
        << true << qint64(100) << true << QStringList();
    QTest::newRow("utf8 recipient, SMTPUTF8 offered")
        << gmail << qint64(10) << alice << QStringList{joran} << true << qint64(35882577) << false
        << QStringList();
    QTest::newRow("utf8 recipient, not offered")
        << noUtf8 << qint64(10) << alice << QStringList{alice, joran, joran} << true << qint64(1000)
        << false << QStringList{joran};
    QTest::newRow("utf8 From, not offered") << noUtf8 << qint64(10) << joran << QStringList{alice}
                                            << true << qint64(1000) << false << QStringList{joran};
    QTest::newRow("IDN domain alone needs nothing")
        << noUtf8 << qint64(10) << alice << QStringList{idn} << true << qint64(1000) << false
        << QStringList();
    QTest::newRow("both warnings") << noUtf8 << qint64(5000) << alice << QStringList{joran} << true
                                   << qint64(1000) << true << QStringList{joran};
    QTest::newRow("invalid address: left to the address checks")
        << noUtf8 << qint64(10) << alice << QStringList{QStringLiteral("j\u00F6ran@")} << true
        << qint64(1000) << false << QStringList();
}

void TestComposeWarnings::decide()
{
    QFETCH(QStringList, caps);
    QFETCH(qint64, size);
    QFETCH(QString, from);
    QFETCH(QStringList, recipients);
    const ComposeWarnings w = composeWarnings(caps, size, from, recipients);
    QTEST(w.capabilitiesKnown, "known");
    QTEST(w.sizeLimit, "limit");
    QTEST(w.tooLarge, "tooLarge");
    QTEST(w.needSmtpUtf8, "needSmtpUtf8");
    QFETCH(bool, tooLarge);
    QFETCH(QStringList, needSmtpUtf8);
    QCOMPARE(w.any(), tooLarge || !needSmtpUtf8.isEmpty());
}

QTEST_GUILESS_MAIN(TestComposeWarnings)
#include "tst_composewarnings.moc"
