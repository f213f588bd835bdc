// The words the UI makes from core's structured results.
#include "Words.h"

#include <QTest>

using namespace outpost;
using namespace outpost::ui;
using namespace Qt::Literals::StringLiterals;

class TestWords : public QObject
{
    Q_OBJECT
private slots:
    void countdown_data();
    void countdown();
    void reply();
    void notices();
    void partlySent();
    void everyClassHasWords();
};

void TestWords::countdown_data()
{
    QTest::addColumn<qint64>("secs");
    QTest::addColumn<QString>("text");
    QTest::newRow("past") << qint64(-5) << u"now"_s;
    QTest::newRow("zero") << qint64(0) << u"now"_s;
    QTest::newRow("seconds") << qint64(45) << u"in 45 s"_s;
    QTest::newRow("minute") << qint64(60) << u"in 1 min"_s;
    QTest::newRow("minutes-rounded") << qint64(245) << u"in 4 min"_s;
    QTest::newRow("hours") << qint64(2 * 3600 + 5 * 60) << u"in 2 h 5 min"_s;
}

void TestWords::countdown()
{
    QFETCH(qint64, secs);
    const QDateTime now = QDateTime::fromSecsSinceEpoch(1'800'000'000, Qt::UTC);
    QTEST(Words::countdown(now.addSecs(secs), now), "text");
    QCOMPARE(Words::countdown(QDateTime(), now), QString());
    QVERIFY(!Words::countdown(now.addDays(3), now).startsWith(u"in"_s)); // a date instead
}

void TestWords::reply()
{
    QCOMPARE(Words::reply({}), QString());
    QCOMPARE(Words::reply({550, "5.1.1", {"No such user"}}), u"550 5.1.1 No such user"_s);
    QCOMPARE(Words::reply({421, {}, {"Busy,", "try later"}}), u"421 Busy, try later"_s);
    MessageSummary s;
    s.errorClass = ErrorClass::Network;
    QCOMPARE(Words::lastReply(s), Words::errorClass(ErrorClass::Network));
    s.lastReply = {451, "4.7.1", {"Greylisted"}};
    QCOMPARE(Words::lastReply(s), u"451 4.7.1 Greylisted"_s);
}

void TestWords::notices()
{
    Notice paused;
    paused.kind = Notice::Kind::AccountPaused;
    paused.account = u"work"_s;
    paused.count = 4;
    paused.result.errorClass = ErrorClass::Auth;
    paused.result.reply = {535, "5.7.8", {"Authentication credentials invalid"}};
    QCOMPARE(Words::noticeTitle(paused), u"Sending paused for work"_s);
    QVERIFY(Words::noticeText(paused).contains(u"refused the user name or password"_s));
    QVERIFY(Words::noticeText(paused).contains(u"535 5.7.8 Authentication credentials invalid"_s));
    QVERIFY(Words::noticeText(paused).contains(u"4"_s));

    Notice failed;
    failed.kind = Notice::Kind::MessageFailed;
    failed.result.errorClass = ErrorClass::Permanent;
    QCOMPARE(Words::noticeText(failed), u"The server refused the message."_s);

    Notice batch;
    batch.kind = Notice::Kind::BatchSent;
    batch.count = 12;
    QVERIFY(Words::noticeText(batch).contains(u"12"_s));
}

void TestWords::partlySent()
{
    MessageSummary s;
    s.state = MessageState::Sent;
    s.recipientCount = 3;
    QCOMPARE(Words::stateOf(s), u"Sent"_s);
    s.refusedRecipients = 2;
    QCOMPARE(Words::stateOf(s), u"Sent to 1 of 3 recipients"_s);
    const QList<RecipientRecord> refused = {
        {"carol@example.org", MessageState::Failed, {550, "5.1.1", {"No such user"}}},
        {"dave@example.org", MessageState::Failed, {553, {}, {"Not allowed"}}}};
    QCOMPARE(Words::partialDelivery(s, refused), u"Sent to 1 of 3 recipients. The server refused:\n"
                                                 u"carol@example.org: 550 5.1.1 No such user\n"
                                                 u"dave@example.org: 553 Not allowed"_s);
    s.state = MessageState::Failed; // every recipient failed: just failed
    QCOMPARE(Words::stateOf(s), u"Failed"_s);

    Notice n;
    n.kind = Notice::Kind::PartiallySent;
    n.messageId = 7;
    n.count = 1;
    n.recipients = 3;
    n.refused = refused;
    QCOMPARE(Words::noticeTitle(n), u"A message reached only some recipients"_s);
    QCOMPARE(Words::noticeText(n), u"Sent to 1 of 3 recipients. The server refused:\n"
                                   u"carol@example.org: 550 5.1.1 No such user\n"
                                   u"dave@example.org: 553 Not allowed"_s);
}

void TestWords::everyClassHasWords()
{
    QCOMPARE(Words::errorClass(ErrorClass::None), QString());
    for (auto c : {ErrorClass::Transient, ErrorClass::Permanent, ErrorClass::Network,
                   ErrorClass::Timeout, ErrorClass::Tls, ErrorClass::Certificate, ErrorClass::Auth,
                   ErrorClass::Protocol, ErrorClass::Local})
        QVERIFY(!Words::errorClass(c).isEmpty());
    for (auto s : {MessageState::Draft, MessageState::Queued, MessageState::Sending,
                   MessageState::Sent, MessageState::Failed, MessageState::Held})
        QVERIFY(!Words::state(s).isEmpty());
}

QTEST_GUILESS_MAIN(TestWords)
#include "tst_words.moc"
