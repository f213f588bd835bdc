// Replies to an imported message: replySubject(), replyReferences(), replyContext(), and the
// composed reply's header (golden file) parsed back by Python's email package.

#include "mime/MessageComposer.h"
#include "mime/ReplyContext.h"
#include "mimetestsupport.h"

#include <QJsonArray>
#include <QtTest>

using namespace outpost::mime;
using namespace mimetest;
using namespace Qt::Literals::StringLiterals;

using IdList = QList<QByteArray>;

class TestReply : public QObject
{
    Q_OBJECT
private slots:
    void subject_data();
    void subject();
    void references_data();
    void references();
    void context_data();
    void context();
    void refused_data();
    void refused();
    void goldenReply();
};

void TestReply::subject_data()
{
    QTest::addColumn<QString>("parent");
    QTest::addColumn<QString>("reply");
    QTest::newRow("plain") << u"Hello"_s << u"Re: Hello"_s;
    QTest::newRow("already a reply") << u"Re: Hello"_s << u"Re: Hello"_s;
    QTest::newRow("upper case") << u"RE: Hello"_s << u"Re: Hello"_s;
    QTest::newRow("repeated") << u"Re: re:RE:  Hello"_s << u"Re: Hello"_s;
    QTest::newRow("counted") << u"Re[2]: Hello"_s << u"Re: Hello"_s;
    QTest::newRow("word starting with re") << u"Report: Q1"_s << u"Re: Report: Q1"_s;
    QTest::newRow("unicode") << u"Gr\u00FC\u00DFe"_s << u"Re: Gr\u00FC\u00DFe"_s;
    QTest::newRow("empty") << QString() << u"Re: "_s;
}

void TestReply::subject()
{
    QFETCH(QString, parent);
    QTEST(replySubject(parent), "reply");
}

void TestReply::references_data()
{
    QTest::addColumn<IdList>("refs");
    QTest::addColumn<IdList>("inReplyTo");
    QTest::addColumn<QByteArray>("id");
    QTest::addColumn<IdList>("expected");
    QTest::newRow("first reply") << IdList{} << IdList{} << QByteArray("a@x") << IdList{"a@x"};
    QTest::newRow("in-reply-to only")
        << IdList{} << IdList{"root@x"} << QByteArray("a@x") << IdList{"root@x", "a@x"};
    QTest::newRow("in-reply-to with two ids is ignored")
        << IdList{} << IdList{"r1@x", "r2@x"} << QByteArray("a@x") << IdList{"a@x"};
    QTest::newRow("references win") << IdList{"r1@x", "r2@x"} << IdList{"r2@x"}
                                    << QByteArray("<a@x>") << IdList{"r1@x", "r2@x", "a@x"};
    QTest::newRow("invalid and repeated dropped")
        << IdList{"r1@x", "no-at-sign", "r1@x", "bad id@x"} << IdList{} << QByteArray("a@x")
        << IdList{"r1@x", "a@x"};
    IdList many;
    for (int i = 0; i < 30; ++i)
        many << "m" + QByteArray::number(i) + "@x";
    IdList trimmed{"m0@x"};
    for (int i = 30 - (kMaxReferences - 2); i < 30; ++i)
        trimmed << "m" + QByteArray::number(i) + "@x";
    trimmed << "a@x";
    QTest::newRow("long chain keeps root and latest")
        << many << IdList{} << QByteArray("a@x") << trimmed;
}

void TestReply::references()
{
    QFETCH(IdList, refs);
    QFETCH(IdList, inReplyTo);
    QFETCH(QByteArray, id);
    const IdList got = replyReferences(refs, inReplyTo, id);
    QTEST(got, "expected");
    QVERIFY(got.size() <= kMaxReferences);
}

const QByteArray kParentHead = "Date: Thu, 13 Mar 2025 18:00:00 +0000\r\n"
                               "Message-ID: <parent.7@example.net>\r\n";

void TestReply::context_data()
{
    QTest::addColumn<QByteArray>("parent");
    QTest::addColumn<QString>("toName");
    QTest::addColumn<QString>("toAddress");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<QByteArray>("inReplyTo");
    QTest::addColumn<IdList>("refs");

    QTest::newRow("from") << kParentHead +
                                 "From: Bob <bob@example.net>\r\nTo: alice@example.org\r\n"
                                 "Subject: Minutes\r\n\r\nbody\r\n"
                          << u"Bob"_s << u"bob@example.net"_s << u"Re: Minutes"_s
                          << QByteArray("parent.7@example.net") << IdList{"parent.7@example.net"};
    QTest::newRow("reply-to wins, encoded words, thread")
        << kParentHead + "From: Bob <bob@example.net>\r\n"
                         "Reply-To: =?UTF-8?q?J=C3=BCrgen?= <list@example.net>\r\n"
                         "Subject: =?UTF-8?b?UmU6IEdyw7zDn2U=?=\r\n"
                         "In-Reply-To: <root.1@example.net>\r\n"
                         "References: <root.1@example.net>\r\n <mid.2@example.net>\r\n\r\nbody\r\n"
        << u"J\u00FCrgen"_s << u"list@example.net"_s << u"Re: Gr\u00FC\u00DFe"_s
        << QByteArray("parent.7@example.net")
        << IdList{"root.1@example.net", "mid.2@example.net", "parent.7@example.net"};
    QTest::newRow("no message-id: no thread fields")
        << QByteArray("From: bob@example.net\nSubject: Hi\n\nbody\n") << QString()
        << u"bob@example.net"_s << u"Re: Hi"_s << QByteArray() << IdList{};
}

void TestReply::context()
{
    QFETCH(QByteArray, parent);
    const ReplyContext r = replyContext(parent);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.to.size(), 1);
    QTEST(r.to.first().name, "toName");
    QTEST(r.to.first().address, "toAddress");
    QTEST(r.subject, "subject");
    QTEST(r.inReplyTo, "inReplyTo");
    QTEST(r.references, "refs");
}

void TestReply::refused_data()
{
    QTest::addColumn<QByteArray>("parent");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("no sender") << QByteArray("Subject: Hi\r\nTo: a@example.org\r\n\r\nbody\r\n");
}

void TestReply::refused()
{
    QFETCH(QByteArray, parent);
    const ReplyContext r = replyContext(parent);
    QVERIFY(!r.ok());
    QVERIFY(r.to.isEmpty());
}

void TestReply::goldenReply()
{
    const QByteArray parent =
        kParentHead + "From: Bob <bob@example.net>\r\n"
                      "Reply-To: =?UTF-8?q?J=C3=BCrgen?= <list@example.net>\r\n"
                      "To: Alice <alice@example.org>\r\n"
                      "Subject: Re: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
                      "References: <root.1@example.net> <mid.2@example.net>\r\n\r\nbody\r\n";
    const ReplyContext r = replyContext(parent);
    QVERIFY2(r.ok(), qPrintable(r.error));
    Draft d;
    d.from = Mailbox{u"Alice"_s, u"alice@example.org"_s};
    d.to = r.to;
    d.subject = r.subject;
    d.inReplyTo = r.inReplyTo;
    d.references = r.references;
    d.textBody = u"Thanks!\n"_s;
    const ComposedMessage m = composeMessage(d, fixedGenerators());
    QVERIFY2(m.ok(), qPrintable(m.error));
    QString why;
    QVERIFY2(matchesGolden(u"reply_to_eml"_s, m.data, &why), qPrintable(why));

    QString error;
    const QJsonObject p = parseWithPython(m.data, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(p.value(u"defects"_s).toArray(), QJsonArray());
    QCOMPARE(p.value(u"subject"_s).toString(), u"Re: Gr\u00FC\u00DFe"_s);
    QCOMPARE(p.value(u"in_reply_to"_s).toString(), u"<parent.7@example.net>"_s);
    QCOMPARE(p.value(u"references"_s).toArray(),
             (QJsonArray{u"<root.1@example.net>"_s, u"<mid.2@example.net>"_s,
                         u"<parent.7@example.net>"_s}));
    const QJsonArray to = p.value(u"to"_s).toArray();
    QCOMPARE(to.size(), 1);
    QCOMPARE(to.at(0).toObject().value(u"name"_s).toString(), u"J\u00FCrgen"_s);
    QCOMPARE(to.at(0).toObject().value(u"address"_s).toString(), u"list@example.net"_s);
}

QTEST_GUILESS_MAIN(TestReply)
#include "tst_reply.moc"
