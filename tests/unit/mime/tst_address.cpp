// Address validation (RFC 5321 §4.1.2, RFC 5322 §3.4.1, RFC 6531), address-list parsing,
// envelope forms and IDN.

#include "mime/Address.h"

#include <QtTest>

using namespace outpost::mime;

class TestAddress : public QObject
{
    Q_OBJECT
private slots:
    void problem_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("problem");
        auto row = [](const char *tag, const QString &a, const char *p) {
            QTest::newRow(tag) << a << QString::fromUtf8(p);
        };
        // valid
        row("simple", QStringLiteral("bob@example.net"), "");
        row("plus-tag", QStringLiteral("bob+tag@example.net"), "");
        row("atext-specials", QStringLiteral("!#$%&'*+-/=?^_`{|}~@example.net"), "");
        row("dots", QStringLiteral("first.middle.last@example.net"), "");
        row("single-label", QStringLiteral("root@localhost"), "");
        row("quoted-space", QStringLiteral("\"john doe\"@example.net"), "");
        row("quoted-at", QStringLiteral("\"a@b\"@example.net"), "");
        row("quoted-pair", QStringLiteral("\"a\\\"b\"@example.net"), "");
        row("ipv4-literal", QStringLiteral("bob@[192.0.2.1]"), "");
        row("ipv6-literal", QStringLiteral("bob@[IPv6:2001:db8::1]"), "");
        row("idn-domain", QStringLiteral("bob@b\u00FCcher.example"), "");
        row("utf8-local", QStringLiteral("j\u00F6ran@example.net"), "");
        row("cjk-local", QStringLiteral("\u7528\u6237@\u4F8B\u5B50.\u5E7F\u544A"), "");
        row("hyphen-label", QStringLiteral("bob@mail-1.example.net"), "");
        row("local-64", QString(64, u'a') + QStringLiteral("@example.net"), "");
        // invalid
        row("empty", QString(), "empty address");
        row("no-at", QStringLiteral("bob.example.net"), "missing '@'");
        row("empty-local", QStringLiteral("@example.net"), "empty local part");
        row("empty-domain", QStringLiteral("bob@"), "empty domain");
        row("crlf-rcpt", QStringLiteral("bob@example.net>\r\nRCPT TO:<eve@example.com"),
            "line break in address");
        row("crlf-quoted", QStringLiteral("\"bob\r\nRCPT TO:<eve@example.com>\"@example.net"),
            "line break in address");
        row("lf", QStringLiteral("bob@example.net\n"), "line break in address");
        row("cr", QStringLiteral("bob\r@example.net"), "line break in address");
        row("nul", QStringLiteral("bob\u0000x@example.net"), "control character in address");
        row("tab", QStringLiteral("bob\t@example.net"), "control character in address");
        row("del", QStringLiteral("bob\u007F@example.net"), "control character in address");
        row("c1", QStringLiteral("bob\u0085@example.net"), "control character in address");
        row("angle-open", QStringLiteral("<bob@example.net"), "'<' or '>' in address");
        row("angle-close", QStringLiteral("bob@example.net>"), "'<' or '>' in address");
        row("angle-in-quotes", QStringLiteral("\"<eve>\"@example.net"), "'<' or '>' in address");
        row("space", QStringLiteral("bob smith@example.net"), "space outside quotes");
        row("space-domain", QStringLiteral("bob@exa mple.net"), "space outside quotes");
        row("leading-dot", QStringLiteral(".bob@example.net"),
            "dot at the start or end of the local part, or two dots in a row");
        row("double-dot", QStringLiteral("bo..b@example.net"),
            "dot at the start or end of the local part, or two dots in a row");
        row("trailing-dot", QStringLiteral("bob.@example.net"),
            "dot at the start or end of the local part, or two dots in a row");
        row("comma", QStringLiteral("bob,carol@example.net"),
            "invalid character ',' in local part");
        row("paren", QStringLiteral("bob(comment)@example.net"),
            "invalid character '(' in local part");
        row("two-at", QStringLiteral("bob@carol@example.net"),
            "invalid character '@' in local part");
        row("unterminated-quote", QStringLiteral("\"bob@example.net"),
            "unterminated quoted string");
        row("text-after-quote", QStringLiteral("\"bob\"x@example.net"),
            "text after the quoted local part");
        row("local-65", QString(65, u'a') + QStringLiteral("@example.net"),
            "local part longer than 64 octets");
        row("domain-dot-end", QStringLiteral("bob@example.net."), "empty label in domain");
        row("domain-double-dot", QStringLiteral("bob@example..net"), "empty label in domain");
        row("domain-underscore", QStringLiteral("bob@exa_mple.net"),
            "invalid character '_' in domain");
        row("domain-hyphen", QStringLiteral("bob@-example.net"),
            "domain label starts or ends with '-'");
        row("label-64", QStringLiteral("bob@") + QString(64, u'a') + QStringLiteral(".net"),
            "domain label longer than 63 octets");
        row("bad-ipv4", QStringLiteral("bob@[192.0.2.300]"), "invalid address literal");
        row("bad-ipv6", QStringLiteral("bob@[IPv6:zz::1]"), "invalid IPv6 address literal");
        row("open-literal", QStringLiteral("bob@[192.0.2.1"), "unterminated address literal");
        row("lone-surrogate",
            QStringLiteral("bob") + QChar(0xD800) + QStringLiteral("@example.net"),
            "invalid Unicode in address");
    }
    void problem()
    {
        QFETCH(QString, address);
        QFETCH(QString, problem);
        QCOMPARE(addressProblem(address), problem);
        if (problem.isEmpty())
            QVERIFY(!envelopeAddress(address, false).isEmpty());
        else
            QVERIFY(envelopeAddress(address, false).isEmpty());
    }

    void envelope_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QByteArray>("ascii");
        QTest::addColumn<QByteArray>("utf8");
        QTest::addColumn<bool>("needsUtf8");
        QTest::newRow("plain") << QStringLiteral("bob@example.net") << QByteArray("bob@example.net")
                               << QByteArray("bob@example.net") << false;
        QTest::newRow("case-kept")
            << QStringLiteral("Bob@Example.NET") << QByteArray("Bob@Example.NET")
            << QByteArray("Bob@Example.NET") << false;
        QTest::newRow("idn") << QStringLiteral("bob@b\u00FCcher.example")
                             << QByteArray("bob@xn--bcher-kva.example")
                             << QByteArray("bob@b\xC3\xBC"
                                           "cher.example")
                             << false;
        QTest::newRow("utf8-local")
            << QStringLiteral("j\u00F6ran@example.net") << QByteArray("j\xC3\xB6ran@example.net")
            << QByteArray("j\xC3\xB6ran@example.net") << true;
        QTest::newRow("both") << QStringLiteral("j\u00F6ran@b\u00FCcher.example")
                              << QByteArray("j\xC3\xB6ran@xn--bcher-kva.example")
                              << QByteArray("j\xC3\xB6ran@b\xC3\xBC"
                                            "cher.example")
                              << true;
        QTest::newRow("quoted") << QStringLiteral("\"john doe\"@example.net")
                                << QByteArray("\"john doe\"@example.net")
                                << QByteArray("\"john doe\"@example.net") << false;
        QTest::newRow("literal") << QStringLiteral("bob@[192.0.2.1]")
                                 << QByteArray("bob@[192.0.2.1]") << QByteArray("bob@[192.0.2.1]")
                                 << false;
    }
    void envelope()
    {
        QFETCH(QString, address);
        QFETCH(QByteArray, ascii);
        QFETCH(QByteArray, utf8);
        QFETCH(bool, needsUtf8);
        QCOMPARE(envelopeAddress(address, false), ascii);
        QCOMPARE(envelopeAddress(address, true), utf8);
        QCOMPARE(needsSmtpUtf8(address), needsUtf8);
        QCOMPARE(headerAddress(address), ascii);
    }

    void list_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QStringList>("addresses");
        QTest::addColumn<QString>("error");
        auto ok = [](const char *tag, const QString &text, const QStringList &names,
                     const QStringList &addresses) {
            QTest::newRow(tag) << text << names << addresses << QString();
        };
        auto bad = [](const char *tag, const QString &text, const QString &error) {
            QTest::newRow(tag) << text << QStringList() << QStringList() << error;
        };
        ok("brief-example", QStringLiteral("A <a@b>, \"B, C\" <c@d>, e@f"),
           {QStringLiteral("A"), QStringLiteral("B, C"), QString()},
           {QStringLiteral("a@b"), QStringLiteral("c@d"), QStringLiteral("e@f")});
        ok("empty", QString(), {}, {});
        ok("spaces-and-commas", QStringLiteral(" , bob@example.net ,, "), {QString()},
           {QStringLiteral("bob@example.net")});
        ok("semicolon", QStringLiteral("bob@example.net; carol@example.net"),
           {QString(), QString()},
           {QStringLiteral("bob@example.net"), QStringLiteral("carol@example.net")});
        ok("unicode-name", QStringLiteral("J\u00FCrgen M\u00FCller <j@example.net>"),
           {QStringLiteral("J\u00FCrgen M\u00FCller")}, {QStringLiteral("j@example.net")});
        ok("escaped-quote", QStringLiteral("\"Dave \\\"the boss\\\"\" <dave@example.net>"),
           {QStringLiteral("Dave \"the boss\"")}, {QStringLiteral("dave@example.net")});
        ok("bare-angle", QStringLiteral("<bob@example.net>"), {QString()},
           {QStringLiteral("bob@example.net")});
        ok("quoted-local", QStringLiteral("\"john, doe\"@example.net"), {QString()},
           {QStringLiteral("\"john, doe\"@example.net")});
        ok("idn", QStringLiteral("B\u00FCcher <info@b\u00FCcher.example>"),
           {QStringLiteral("B\u00FCcher")}, {QStringLiteral("info@b\u00FCcher.example")});
        bad("crlf-injection", QStringLiteral("bob@example.net>\r\nRCPT TO:<eve@example.com"),
            QStringLiteral(
                "\"bob@example.net>\\r\\nRCPT TO:<eve@example.com\": line break in address"));
        bad("crlf-in-quotes", QStringLiteral("\"bob\r\nRCPT TO:<eve@example.com>\"@example.net"),
            QStringLiteral(
                "\"\"bob\\r\\nRCPT TO:<eve@example.com>\"@example.net\": line break in address"));
        bad("crlf-in-name", QStringLiteral("Alice\r\nX-Injected: yes <alice@example.org>"),
            QStringLiteral(
                "\"Alice\\r\\nX-Injected: yes <alice@example.org>\": line break in address"));
        bad("missing-gt", QStringLiteral("Bob <bob@example.net"),
            QStringLiteral("\"Bob <bob@example.net\": missing '>'"));
        bad("after-gt", QStringLiteral("Bob <bob@example.net> x"),
            QStringLiteral("\"Bob <bob@example.net> x\": text after '>'"));
        bad("second-bad", QStringLiteral("bob@example.net, carol at example.net"),
            QStringLiteral("\"carol at example.net\": missing '@'"));
        bad("no-brackets", QStringLiteral("Bob bob@example.net"),
            QStringLiteral("\"Bob bob@example.net\": space outside quotes"));
        bad("empty-angle", QStringLiteral("Bob <>"), QStringLiteral("\"\": empty address"));
        bad("unterminated-name", QStringLiteral("\"Bob <bob@example.net>"),
            QStringLiteral("\"\"Bob <bob@example.net>\": '<' or '>' in address"));
        bad("control-in-name", QStringLiteral("Bo\u0007b <bob@example.net>"),
            QStringLiteral("\"Bo\\x07b <bob@example.net>\": control character in display name"));
    }
    void list()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, names);
        QFETCH(QStringList, addresses);
        QFETCH(QString, error);
        const AddressListResult r = parseAddressList(text);
        QCOMPARE(r.error, error);
        QCOMPARE(r.ok(), error.isEmpty());
        QStringList gotNames, gotAddresses;
        for (const Mailbox &m : r.mailboxes) {
            gotNames << m.name;
            gotAddresses << m.address;
        }
        QCOMPARE(gotNames, names);
        QCOMPARE(gotAddresses, addresses);
    }
};

QTEST_GUILESS_MAIN(TestAddress)
#include "tst_address.moc"
