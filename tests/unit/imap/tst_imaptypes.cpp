// The IMAP values around the session: error classes and their stable names, the
// classification of tagged completions, capabilities, mailbox names in modified UTF-7
// (RFC 3501 §5.1.3), date-time (RFC 9051 §9) and the search for the Sent mailbox (RFC 6154).
#include "imap/ImapCommand.h"
#include "imap/ImapResponseParser.h"
#include "imap/ImapString.h"

#include <QTest>
#include <QTimeZone>

using namespace outpost;

namespace {

ImapResponse parse(const QByteArray &line)
{
    ImapResponseParser p;
    p.feed(line + "\r\n");
    ImapResponse r;
    p.next(&r);
    return r;
}

ImapMailbox mailbox(const QByteArray &name, const QList<QByteArray> &attributes = {},
                    const QByteArray &delimiter = "/")
{
    ImapMailbox m;
    m.name = name;
    m.displayName = imapDecodeMailboxName(name);
    m.attributes = attributes;
    m.delimiter = delimiter;
    return m;
}

} // namespace

class TestImapTypes : public QObject
{
    Q_OBJECT
private slots:
    void classNames()
    {
        const QList<ImapErrorClass> all = {
            ImapErrorClass::None,        ImapErrorClass::Refused,     ImapErrorClass::Quota,
            ImapErrorClass::NoMailbox,   ImapErrorClass::Unavailable, ImapErrorClass::Bad,
            ImapErrorClass::Network,     ImapErrorClass::Timeout,     ImapErrorClass::Tls,
            ImapErrorClass::Certificate, ImapErrorClass::Auth,        ImapErrorClass::Protocol,
            ImapErrorClass::Local};
        QSet<QString> names;
        for (ImapErrorClass c : all) {
            QCOMPARE(imapErrorClassFromName(imapErrorClassName(c)), c);
            names.insert(imapErrorClassName(c));
        }
        QCOMPARE(names.size(), all.size());
        QCOMPARE(imapErrorClassName(ImapErrorClass::Quota), QStringLiteral("quota"));
        QCOMPARE(imapErrorClassName(ImapErrorClass::NoMailbox), QStringLiteral("no-mailbox"));
        QVERIFY(imapErrorIsTemporary(ImapErrorClass::Unavailable));
        QVERIFY(!imapErrorIsTemporary(ImapErrorClass::Quota));
    }

    void fromTagged_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<ImapErrorClass>("expected");
        QTest::newRow("ok") << QByteArray("A1 OK done") << ImapErrorClass::None;
        QTest::newRow("overquota") << QByteArray("A1 NO [OVERQUOTA] full") << ImapErrorClass::Quota;
        QTest::newRow("limit") << QByteArray("A1 NO [LIMIT] too big") << ImapErrorClass::Quota;
        QTest::newRow("trycreate")
            << QByteArray("A1 NO [TRYCREATE] no") << ImapErrorClass::NoMailbox;
        QTest::newRow("nonexistent")
            << QByteArray("A1 NO [NONEXISTENT] no") << ImapErrorClass::NoMailbox;
        QTest::newRow("unavailable")
            << QByteArray("A1 NO [UNAVAILABLE] later") << ImapErrorClass::Unavailable;
        QTest::newRow("inuse") << QByteArray("A1 NO [INUSE] locked") << ImapErrorClass::Unavailable;
        QTest::newRow("plain no") << QByteArray("A1 NO nope") << ImapErrorClass::Refused;
        QTest::newRow("bad") << QByteArray("A1 BAD what") << ImapErrorClass::Bad;
    }
    void fromTagged()
    {
        QFETCH(QByteArray, line);
        QFETCH(ImapErrorClass, expected);
        const ImapResponse response = parse(line);
        const ImapResult r = ImapResult::fromTagged(response);
        QCOMPARE(r.errorClass, expected);
        QCOMPARE(r.status, response.status);
        QCOMPARE(r.code, response.code);
        QCOMPARE(r.text, QString::fromUtf8(response.text));
    }

    void capabilities()
    {
        const ImapCapabilities c = ImapCapabilities::fromList(
            {"IMAP4rev1", "literal+", "AUTH=PLAIN", "AUTH=SCRAM-SHA-256", "STARTTLS"});
        QVERIFY(c.literalPlus());
        QVERIFY(c.startTls());
        QVERIFY(!c.uidPlus());
        QCOMPARE(c.authMechanisms(),
                 (QStringList{QStringLiteral("PLAIN"), QStringLiteral("SCRAM-SHA-256")}));
        QVERIFY(ImapCapabilities::fromList({"IMAP4rev2"}).uidPlus());
    }

    void mailboxNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("encoded");
        QTest::newRow("ascii") << QStringLiteral("Sent Items") << QByteArray("Sent Items");
        QTest::newRow("ampersand") << QStringLiteral("A&B") << QByteArray("A&-B");
        QTest::newRow("german") << QStringLiteral("Gesendete Objekte \u00e4") // RFC 3501 style
                                << QByteArray("Gesendete Objekte &AOQ-");
        QTest::newRow("rfc 3501 example")
            << QStringLiteral("~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e")
            << QByteArray("~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        QTest::newRow("emoji") << QStringLiteral("Sent \U0001F4E8") << QByteArray("Sent &2D3c6A-");
    }
    void mailboxNames()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, encoded);
        QCOMPARE(imapEncodeMailboxName(name), encoded);
        QCOMPARE(imapDecodeMailboxName(encoded), name);
    }

    void malformedNamesStayAsSent()
    {
        QCOMPARE(imapDecodeMailboxName("A&B"), QStringLiteral("A&B"));
        QCOMPARE(imapDecodeMailboxName("&*-"), QStringLiteral("&*-"));
        QCOMPARE(imapDecodeMailboxName("Gesendet \xc3\xa4"), QStringLiteral("Gesendet \u00e4"));
    }

    void dateTime()
    {
        QCOMPARE(imapDateTime(QDateTime(QDate(2023, 11, 4), QTime(9, 5, 7), QTimeZone(-5 * 3600))),
                 QByteArray("\" 4-Nov-2023 09:05:07 -0500\""));
        QCOMPARE(imapDateTime(QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59), QTimeZone(19800))),
                 QByteArray("\"29-Feb-2024 23:59:59 +0530\""));
    }

    void quoting()
    {
        QVERIFY(imapCanQuote("Sent Items"));
        QVERIFY(!imapCanQuote("a\r\nb"));
        QVERIFY(!imapCanQuote("caf\xc3\xa9"));
        QCOMPARE(imapQuoted("a\"b\\c"), QByteArray("\"a\\\"b\\\\c\""));
    }

    void findSent_data()
    {
        QTest::addColumn<QList<ImapMailbox>>("mailboxes");
        QTest::addColumn<QByteArray>("expected");
        QTest::addColumn<SentFoundBy>("by");
        using L = QList<ImapMailbox>;
        QTest::newRow("special-use wins over name")
            << L{mailbox("Sent"), mailbox("Gesendet", {"\\HasNoChildren", "\\sent"})}
            << QByteArray("Gesendet") << SentFoundBy::SpecialUse;
        QTest::newRow("noselect \\Sent skipped")
            << L{mailbox("[Gmail]", {"\\Noselect", "\\Sent"}), mailbox("Sent Items")}
            << QByteArray("Sent Items") << SentFoundBy::Name;
        QTest::newRow("name order") << L{mailbox("Sent Messages"), mailbox("sent")}
                                    << QByteArray("sent") << SentFoundBy::Name;
        QTest::newRow("INBOX.Sent") << L{mailbox("INBOX", {}, "."), mailbox("INBOX.Sent", {}, ".")}
                                    << QByteArray("INBOX.Sent") << SentFoundBy::Name;
        QTest::newRow("nothing") << L{mailbox("INBOX"), mailbox("Archive", {"\\Archive"})}
                                 << QByteArray() << SentFoundBy::NotFound;
    }
    void findSent()
    {
        QFETCH(QList<ImapMailbox>, mailboxes);
        QFETCH(QByteArray, expected);
        QFETCH(SentFoundBy, by);
        ImapMailbox sent;
        QCOMPARE(ImapListCommand::findSent(mailboxes, &sent), by);
        QCOMPARE(sent.name, expected);
    }
};

QTEST_GUILESS_MAIN(TestImapTypes)
#include "tst_imaptypes.moc"
