// Self-tests of the case-file parser (format v1, tests/cases/README.md).

#include "CaseFile.h"

#include <QDir>
#include <QTest>

using namespace outpost::testsupport;

class TestCaseFile : public QObject
{
    Q_OBJECT
private slots:
    void expand_data();
    void expand();
    void expandErrors_data();
    void expandErrors();
    void conditions();
    void settings();
    void headerAndDialogue();
    void allSharedCases_data();
    void allSharedCases();
};

void TestCaseFile::expand_data()
{
    QTest::addColumn<QByteArray>("in");
    QTest::addColumn<QByteArray>("out");
    QTest::newRow("plain") << QByteArray("250 Ok") << QByteArray("250 Ok");
    QTest::newRow("crlf") << QByteArray("250 Ok\\r\\n") << QByteArray("250 Ok\r\n");
    QTest::newRow("tab-backslash") << QByteArray("a\\tb\\\\c") << QByteArray("a\tb\\c");
    QTest::newRow("hex") << QByteArray("\\xC3\\xa9\\x00") << QByteArray("\xC3\xA9\x00", 3);
    QTest::newRow("unicode") << QByteArray("J\\u{FC}rgen \\u{1F600}")
                             << QByteArray("J\xC3\xBCrgen \xF0\x9F\x98\x80");
    QTest::newRow("literal utf8") << QByteArray("\xC3\xA9") << QByteArray("\xC3\xA9");
    QTest::newRow("rep") << QByteArray("{rep:3:ab}") << QByteArray("ababab");
    QTest::newRow("rep-escape") << QByteArray("{rep:2:250-x\\r\\n}")
                                << QByteArray("250-x\r\n250-x\r\n");
    QTest::newRow("rep-nested") << QByteArray("{rep:2:<{rep:3:a}>}") << QByteArray("<aaa><aaa>");
    QTest::newRow("rep-unicode") << QByteArray("{rep:2:\\u{1F600}}")
                                 << QByteArray("\xF0\x9F\x98\x80\xF0\x9F\x98\x80");
    QTest::newRow("rep-zero") << QByteArray("x{rep:0:abc}y") << QByteArray("xy");
    QTest::newRow("rep-space") << QByteArray("{rep:2:Subject-pa }end")
                               << QByteArray("Subject-pa Subject-pa end");
    QTest::newRow("rep-balanced-braces") << QByteArray("{rep:2:{x}}") << QByteArray("{x}{x}");
    QTest::newRow("b64") << QByteArray("{b64:\\x00alice@example.org\\x00s3cret}")
                         << QByteArray("AGFsaWNlQGV4YW1wbGUub3JnAHMzY3JldA==");
    QTest::newRow("b64-utf8") << QByteArray("{b64:p\\u{E4}ssw\\u{F6}rd\\u{20AC}}")
                              << QByteArray("cMOkc3N3w7ZyZOKCrA==");
    QTest::newRow("literal brace") << QByteArray("a{b}c") << QByteArray("a{b}c");
    QTest::newRow("trailing space") << QByteArray("220 ") << QByteArray("220 ");
}

void TestCaseFile::expand()
{
    QFETCH(QByteArray, in);
    QFETCH(QByteArray, out);
    QString err;
    QCOMPARE(expandPayload(in, &err), out);
    QCOMPARE(err, QString());
}

void TestCaseFile::expandErrors_data()
{
    QTest::addColumn<QByteArray>("in");
    QTest::newRow("dangling") << QByteArray("abc\\");
    QTest::newRow("bad hex") << QByteArray("\\xZZ");
    QTest::newRow("short hex") << QByteArray("\\x4");
    QTest::newRow("unknown") << QByteArray("\\d");
    QTest::newRow("u without brace") << QByteArray("\\u00E9");
    QTest::newRow("surrogate") << QByteArray("\\u{D800}");
    QTest::newRow("too big") << QByteArray("\\u{110000}");
    QTest::newRow("unterminated rep") << QByteArray("{rep:3:abc");
    QTest::newRow("rep no count") << QByteArray("{rep::abc}");
}

void TestCaseFile::expandErrors()
{
    QFETCH(QByteArray, in);
    QString err;
    expandPayload(in, &err);
    QVERIFY(!err.isEmpty());
}

void TestCaseFile::conditions()
{
    QString err;
    auto c = parseConditions("state(m1)=sent deliveries=1 conns=1 wire_lacks=HELO", 7, &err);
    QCOMPARE(err, QString());
    QCOMPARE(c.size(), 4);
    QCOMPARE(c[0].key, QStringLiteral("state"));
    QCOMPARE(c[0].args, QStringList{QStringLiteral("m1")});
    QCOMPARE(c[0].values, QList<QByteArray>{"sent"});
    QCOMPARE(c[3].values, QList<QByteArray>{"HELO"});
    QCOMPARE(c[3].line, 7);

    // values with spaces: a space starts a new pair only before a known key
    c = parseConditions("header_decoded(m1,Subject)=Gr\\u{FC}\\u{DF}e aus state x=y state(m1)=a|b",
                        1, &err);
    QCOMPARE(err, QString());
    QCOMPARE(c.size(), 2);
    QCOMPARE(c[0].args, (QStringList{QStringLiteral("m1"), QStringLiteral("Subject")}));
    QCOMPARE(c[0].values, QList<QByteArray>{"Gr\xC3\xBC\xC3\x9F"
                                            "e aus state x=y"});
    QCOMPARE(c[1].values, (QList<QByteArray>{"a", "b"}));

    // {rep:..} values may hold spaces followed by what looks like a key
    c = parseConditions("header_decoded(m1,Subject)={rep:2:x conns=1 }end conns=1", 1, &err);
    QCOMPARE(c.size(), 2);
    QCOMPARE(c[0].values, QList<QByteArray>{"x conns=1 x conns=1 end"});

    // operators, regex and list keys
    c = parseConditions("connect_attempts>=3 notices<=1 last_reply_matches(m1)=bl\\w+|x "
                        "addresses(m1,To)=a@x|b@y wire_lacks=RCPT TO:<eve",
                        1, &err);
    QCOMPARE(c.size(), 5);
    QCOMPARE(c[0].op, QStringLiteral(">="));
    QCOMPARE(c[1].op, QStringLiteral("<="));
    QVERIFY(c[2].isRegex());
    QCOMPARE(c[2].values, QList<QByteArray>{"bl\\w+|x"});
    QVERIFY(c[3].isList());
    QCOMPARE(c[3].values, (QList<QByteArray>{"a@x", "b@y"}));
    QCOMPARE(c[4].values, QList<QByteArray>{"RCPT TO:<eve"});
    QCOMPARE(c[4].text(), QStringLiteral("wire_lacks=RCPT TO:<eve"));

    parseConditions("nonsense=1", 1, &err);
    QVERIFY(!err.isEmpty());
}

void TestCaseFile::settings()
{
    const auto s = splitSettings("account=B host=smtp2.example.net pass=with space tls=implicit");
    QCOMPARE(s.size(), 4);
    QCOMPARE(s[2].first, QStringLiteral("pass"));
    QCOMPARE(s[2].second, QByteArray("with space"));
    QCOMPARE(s[3].second, QByteArray("implicit"));
}

void TestCaseFile::headerAndDialogue()
{
    const QByteArray text = "ID: X001\n"
                            "TITLE: t\n"
                            "# comment\n"
                            "CONFIG: tls=starttls auth=plain pass=p\\u{E4}\n"
                            "CONFIG: account=B host=smtp2.example.net timeout.command=1500\n"
                            "MSG m1.to: bob@example.net\n"
                            "MSG m1.to: carol@example.net\n"
                            "MSG m2.account: B\n"
                            "MSG m2.attach: name=a b size=3.txt size=10 content=text:hi\\r\\n\n"
                            "MSG m3.raw: From: a\\r\\n\\r\\nbody\n"
                            "MSG m3.mail_from: alice@example.org\n"
                            "MSG m3.rcpt: bob@example.net\n"
                            "NOTE: before the dialogue\n"
                            "APP: enqueue m1 m2 m3\n"
                            "APP: set account=B pass=n3w\n"
                            "MAY-ABORT\n"
                            "CONN: 1\n"
                            "S: 22\n"
                            "S+:  ahead\\r\\n\n"
                            "C~: EHLO [^\\r\\n]+\\r\\n\n"
                            "C?: QUIT\\r\\n\n"
                            "OPT-RSET\n"
                            "C*: <data-partial 65536>\n"
                            "CONN: 2 account=B\n"
                            "TLS: cert=wrong-host\n"
                            "QUIET: 300\n"
                            "CONN: 1\n"
                            "EOF-EXPECTED\n"
                            "SERVER: down\n"
                            "EXPECT: conns(B)=1\n";
    QString err;
    const auto cf = CaseFile::parse(text, &err);
    QVERIFY2(cf, qPrintable(err));
    QCOMPARE(cf->id, QStringLiteral("X001"));
    QCOMPARE(cf->setting(QStringLiteral("A"), QStringLiteral("tls")), QByteArray("starttls"));
    QCOMPARE(cf->setting(QStringLiteral("A"), QStringLiteral("pass")), QByteArray("p\xC3\xA4"));
    QCOMPARE(cf->intSetting(QStringLiteral("A"), QStringLiteral("timeout.command")), 2000);
    QCOMPARE(cf->intSetting(QStringLiteral("B"), QStringLiteral("timeout.command")), 1500);
    QCOMPARE(cf->setting(QStringLiteral("B"), QStringLiteral("host")),
             QByteArray("smtp2.example.net"));
    QCOMPARE(cf->accountOrder, (QStringList{QStringLiteral("A"), QStringLiteral("B")}));
    QCOMPARE(cf->messages.size(), 3);
    QCOMPARE(cf->messages[0].to.size(), 2);
    QCOMPARE(cf->messages[0].subject, QByteArray("X001"));
    QCOMPARE(cf->messages[0].body, QByteArray("Hello from X001\r\n"));
    QCOMPARE(cf->messages[1].account, QStringLiteral("B"));
    QCOMPARE(cf->messages[1].attachments.size(), 1);
    QCOMPARE(cf->messages[1].attachments[0].name, QStringLiteral("a b size=3.txt"));
    QCOMPARE(cf->messages[1].attachments[0].bytes(), QByteArray("hi\r\nhi\r\nhi"));
    QCOMPARE(*cf->messages[2].raw, QByteArray("From: a\r\n\r\nbody"));
    QCOMPARE(cf->notes.size(), 1);

    using T = Directive::Type;
    const auto &d = cf->dialogue;
    QCOMPARE(d.size(), 17);
    QCOMPARE(d[0].type, T::App);
    QCOMPARE(d[0].app.args,
             (QStringList{QStringLiteral("m1"), QStringLiteral("m2"), QStringLiteral("m3")}));
    QCOMPARE(d[1].app.account, QStringLiteral("B"));
    QCOMPARE(d[1].app.settings.value(0).second, QByteArray("n3w"));
    QCOMPARE(d[2].type, T::MayAbort);
    QCOMPARE(d[3].type, T::Conn);
    QCOMPARE(d[4].bytes, QByteArray("22"));
    QCOMPARE(d[5].type, T::SendPaused);
    QCOMPARE(d[5].bytes, QByteArray(" ahead\r\n"));
    QCOMPARE(d[6].regex, QStringLiteral("EHLO [^\\r\\n]+\\r\\n"));
    QCOMPARE(d[7].type, T::OptClient);
    QCOMPARE(d[8].type, T::OptRset);
    QCOMPARE(d[9].number, 65536);
    QCOMPARE(d[10].account, QStringLiteral("B"));
    QCOMPARE(d[11].text, QStringLiteral("wrong-host"));
    QCOMPARE(d[11].conn, 2);
    QCOMPARE(d[12].number, 300);
    QCOMPARE(d[14].conn, 1);
    QCOMPARE(d[14].type, T::EofExpected);
    QCOMPARE(d[15].type, T::Server);
    QCOMPARE(d[16].conditions.value(0).args, QStringList{QStringLiteral("B")});

    QVERIFY(!CaseFile::parse("ID: X\nS: 220\n", &err));
    QVERIFY(!CaseFile::parse("ID: X\nAPP: dance\n", &err));
    QVERIFY(!CaseFile::parse("ID: X\nCONN: 1\nS: 220\nCONFIG: tls=none\n", &err));
}

void TestCaseFile::allSharedCases_data()
{
    QTest::addColumn<QString>("path");
    const QDir dir(QStringLiteral(OUTPOST_TEST_CASES_DIR));
    const QStringList files = dir.entryList({QStringLiteral("*.txt")}, QDir::Files, QDir::Name);
    QVERIFY(!files.isEmpty());
    for (const QString &f : files)
        QTest::newRow(qPrintable(f.left(4))) << dir.filePath(f);
}

void TestCaseFile::allSharedCases()
{
    QFETCH(QString, path);
    QString err;
    const auto cf = CaseFile::load(path, &err);
    QVERIFY2(cf, qPrintable(err));
    QCOMPARE(cf->id, QFileInfo(path).fileName().left(4));
    QVERIFY(!cf->dialogue.isEmpty());
    bool hasExpect = false;
    for (const Directive &d : cf->dialogue)
        hasExpect = hasExpect || d.type == Directive::Type::Expect;
    QVERIFY(hasExpect);
}

QTEST_GUILESS_MAIN(TestCaseFile)
#include "tst_casefile.moc"
