// "Edit (back to draft)" in core: mime::parseDraft reads a stored message back into a Draft
// (data-driven), OutboxWriter::takeBackToDraft / replaceDraft and Service::editMessage /
// replaceMessage: taken out of sending atomically, refused while being sent, replaced in
// place (same id, no duplicate), kept as a draft.

#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "mime/MessageComposer.h"
#include "mime/MessageParse.h"
#include "outbox/Connectivity.h"
#include "outbox/Service.h"
#include "storage/Storage.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace outpost;
using namespace outpost::mime;

namespace {
Draft sampleDraft()
{
    Draft d;
    d.from = {QStringLiteral("Alice Ünal"), QStringLiteral("alice@example.org")};
    d.to = {{QStringLiteral("Bob"), QStringLiteral("bob@example.net")}};
    d.cc = {{{}, QStringLiteral("carol@example.net")}};
    d.bcc = {{{}, QStringLiteral("dave@example.net")}};
    d.subject = QStringLiteral("Grüße — minutes of 3 May");
    d.textBody = QStringLiteral("Hello Bob,\n\nthe minutes are attached.\n.\nÀ bientôt\n");
    d.attachments = {{QStringLiteral("mïnutes.pdf"), QByteArray("%PDF-1.4\n\x01\x02\xff", 12),
                      QStringLiteral("application/pdf")}};
    return d;
}
} // namespace

class TestEditDraft : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void parseDraft_data();
    void parseDraft();
    void parseRejectsGarbage();
    void editAndSendReplaces_data();
    void editAndSendReplaces();
    void refusedWhileSending();
    void keptAsDraftAndReopened();
    void asyncInOrderOffThisThread();

private:
    QTemporaryDir *m_dir = nullptr;
    MemoryCredentialStore m_credentials;
    Service *m_service = nullptr;
};

void TestEditDraft::init()
{
    m_dir = new QTemporaryDir;
    ServiceOptions o;
    o.dataDir = m_dir->path();
    o.credentials = &m_credentials;
    o.singleInstance = false;
    m_service = new Service(o);
    QString error;
    QVERIFY2(m_service->open(&error), qPrintable(error));
    m_service->connectivity()->setWorkOffline(true); // nothing is sent
    Account a;
    a.name = QStringLiteral("work");
    a.host = QStringLiteral("smtp.example.net");
    a.from = QStringLiteral("alice@example.org");
    QVERIFY2(m_service->accounts()->add(a, &error), qPrintable(error));
}

void TestEditDraft::cleanup()
{
    delete m_service;
    m_service = nullptr;
    delete m_dir;
    m_dir = nullptr;
}

void TestEditDraft::parseDraft_data()
{
    QTest::addColumn<bool>("html");
    QTest::addColumn<bool>("attachment");
    QTest::newRow("plain") << false << false;
    QTest::newRow("plain + attachment") << false << true;
    QTest::newRow("alternative") << true << false;
    QTest::newRow("alternative + attachment") << true << true;
}

void TestEditDraft::parseDraft()
{
    QFETCH(bool, html);
    QFETCH(bool, attachment);
    Draft d = sampleDraft();
    if (html)
        d.htmlBody = QStringLiteral("<p>Hello <b>Bob</b></p>");
    if (!attachment)
        d.attachments.clear();
    const ComposedMessage m = composeMessage(d);
    QVERIFY2(m.ok(), qPrintable(m.error));
    const ParsedDraft p = mime::parseDraft(m.data, m.envelope.recipients);
    QVERIFY2(p.ok(), qPrintable(p.error));
    QCOMPARE(p.draft.from.name, d.from.name);
    QCOMPARE(p.draft.from.address, d.from.address);
    QCOMPARE(p.draft.to.size(), 1);
    QCOMPARE(p.draft.to[0].name, QStringLiteral("Bob"));
    QCOMPARE(p.draft.to[0].address, QStringLiteral("bob@example.net"));
    QCOMPARE(p.draft.cc.size(), 1);
    QCOMPARE(p.draft.cc[0].address, QStringLiteral("carol@example.net"));
    // Bcc is not in the header: it comes back from the envelope.
    QCOMPARE(p.draft.bcc.size(), 1);
    QCOMPARE(p.draft.bcc[0].address, QStringLiteral("dave@example.net"));
    QCOMPARE(p.draft.subject, d.subject);
    QCOMPARE(p.draft.textBody, d.textBody);
    QCOMPARE(p.draft.htmlBody.trimmed(), d.htmlBody.trimmed());
    QCOMPARE(p.draft.attachments.size(), d.attachments.size());
    if (attachment) {
        QCOMPARE(p.draft.attachments[0].fileName, d.attachments[0].fileName);
        QCOMPARE(p.draft.attachments[0].content, d.attachments[0].content);
        QCOMPARE(p.draft.attachments[0].mimeType, QStringLiteral("application/pdf"));
    }
}

void TestEditDraft::parseRejectsGarbage()
{
    QVERIFY(!mime::parseDraft({}, {}).ok());
    // Not a message at all: no crash, and whatever comes back has no sender.
    static const char garbage[] = "\x00\x01\x02 not a message";
    const ParsedDraft p = mime::parseDraft(QByteArray(garbage, sizeof garbage - 1), {});
    QVERIFY(!p.ok() || p.draft.from.address.isEmpty());
}

void TestEditDraft::editAndSendReplaces_data()
{
    QTest::addColumn<QString>("before");
    QTest::newRow("queued") << QStringLiteral("queued");
    QTest::newRow("held") << QStringLiteral("held");
    QTest::newRow("failed") << QStringLiteral("failed");
}

void TestEditDraft::editAndSendReplaces()
{
    QFETCH(QString, before);
    const OutboxReader *store = m_service->outbox();
    Storage *storage = m_service->storage();
    const auto r = m_service->enqueue(QStringLiteral("work"), sampleDraft());
    QVERIFY2(r.ok(), qPrintable(r.error));
    QString error;
    if (before == QLatin1String("held")) {
        QVERIFY2(storage->writeNow(&OutboxWriter::hold, r.id, &error), qPrintable(error));
    } else if (before == QLatin1String("failed")) {
        DeliveryUpdate u;
        u.id = r.id;
        u.state = MessageState::Failed;
        u.errorClass = ErrorClass::Permanent;
        u.reply.code = 550;
        u.event = HistoryEvent::Failed;
        QVERIFY2(storage->writeNow(&OutboxWriter::applyUpdate, u, &error), qPrintable(error));
    }
    const QByteArray oldMessageId = store->summary(r.id)->messageId;

    const Service::EditableMessage e = m_service->editMessage(r.id);
    QVERIFY2(e.ok(), qPrintable(e.error));
    QCOMPARE(e.account, QStringLiteral("work"));
    QCOMPARE(store->summary(r.id)->state, MessageState::Draft);
    QVERIFY(storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1))
                .isEmpty()); // out of sending
    QCOMPARE(e.draft.subject, sampleDraft().subject);
    QCOMPARE(e.draft.bcc.size(), 1);
    QCOMPARE(e.draft.attachments.size(), 1);

    Draft edited = e.draft;
    edited.subject = QStringLiteral("Minutes (corrected)");
    edited.to << Mailbox{{}, QStringLiteral("erin@example.net")};
    const auto sent = m_service->replaceMessage(r.id, e.account, edited);
    QVERIFY2(sent.ok(), qPrintable(sent.error));
    QCOMPARE(sent.id, r.id);
    QCOMPARE(store->count(), 1); // replaced, no duplicate
    const auto rec = store->message(r.id);
    QVERIFY(rec);
    QCOMPARE(rec->state, MessageState::Queued);
    QCOMPARE(rec->subject, QStringLiteral("Minutes (corrected)"));
    QCOMPARE(rec->attempts, 0);
    QCOMPARE(rec->errorClass, ErrorClass::None);
    QVERIFY(rec->messageId != oldMessageId);
    QList<QByteArray> rcpts;
    for (const auto &x : rec->recipients) {
        rcpts << x.address;
        QCOMPARE(x.state, MessageState::Queued);
    }
    QCOMPARE(rcpts, QList<QByteArray>({"bob@example.net", "erin@example.net", "carol@example.net",
                                       "dave@example.net"}));
    QVERIFY(store->messageData(r.id).contains("Subject: Minutes (corrected)"));
    // The edited message is due again and a second replace is refused (it is queued now).
    QCOMPARE(storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).size(), 1);
    QVERIFY(!m_service->replaceMessage(r.id, e.account, edited).ok());
}

void TestEditDraft::refusedWhileSending()
{
    const OutboxReader *store = m_service->outbox();
    Storage *storage = m_service->storage();
    const auto r = m_service->enqueue(QStringLiteral("work"), sampleDraft());
    QVERIFY(r.ok());
    QCOMPARE(storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).size(),
             1); // the dispatcher has it: `sending`
    const auto e = m_service->editMessage(r.id);
    QVERIFY(!e.ok());
    QCOMPARE(e.error, QStringLiteral("message %1 is being sent right now").arg(r.id));
    QCOMPARE(store->summary(r.id)->state, MessageState::Sending); // untouched
    QString error;
    QVERIFY(!storage->writeNow(&OutboxWriter::takeBackToDraft, r.id + 100, &error));
    QCOMPARE(error, QStringLiteral("no message with id %1").arg(r.id + 100));
}

void TestEditDraft::keptAsDraftAndReopened()
{
    const OutboxReader *store = m_service->outbox();
    Storage *storage = m_service->storage();
    const auto r = m_service->enqueue(QStringLiteral("work"), sampleDraft());
    QVERIFY(r.ok());
    auto e = m_service->editMessage(r.id);
    QVERIFY(e.ok());
    e.draft.textBody = QStringLiteral("Half-written\n");
    const auto kept = m_service->replaceMessage(r.id, e.account, e.draft, {}, MessageState::Draft);
    QVERIFY2(kept.ok(), qPrintable(kept.error));
    QCOMPARE(store->count(MessageState::Draft), 1);
    QCOMPARE(store->count(), 1);
    QVERIFY(storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).isEmpty());
    // Reopened: the same draft, with what was typed.
    const auto again = m_service->editMessage(r.id);
    QVERIFY(again.ok());
    QCOMPARE(again.draft.textBody, QStringLiteral("Half-written\n"));
    QCOMPARE(store->summary(r.id)->state, MessageState::Draft);
}

void TestEditDraft::asyncInOrderOffThisThread()
{
    // Service::enqueueAsync / replaceMessageAsync: composed and written off this thread, told
    // in the order of the calls, only once durable; refusals known at once return 0.
    QSignalSpy enqueued(m_service, &Service::enqueued);
    QSignalSpy failed(m_service, &Service::enqueueFailed);
    QString error;
    QList<quint64> tickets;
    for (int i = 0; i < 3; ++i) {
        Draft d = sampleDraft();
        d.subject = QStringLiteral("async %1").arg(i);
        tickets << m_service->enqueueAsync(QStringLiteral("work"), d, &error, {},
                                           i == 2 ? MessageState::Draft : MessageState::Queued);
        QVERIFY2(tickets.last() > 0, qPrintable(error));
    }
    QCOMPARE(m_service->outbox()->count(), 0); // nothing before the event loop ran
    QTRY_COMPARE(enqueued.count(), 3);
    QCOMPARE(failed.count(), 0);
    qint64 last = 0;
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(enqueued.at(i).at(0).value<quint64>(), tickets[i]);
        const qint64 id = enqueued.at(i).at(1).toLongLong();
        QVERIFY(id > last);
        last = id;
        const auto s = m_service->outbox()->summary(id);
        QVERIFY(s);
        QCOMPARE(s->subject, QStringLiteral("async %1").arg(i));
        QCOMPARE(s->state, i == 2 ? MessageState::Draft : MessageState::Queued);
    }
    QVERIFY(m_service->outbox()->messageData(last).contains("=?UTF-8?"));
    QCOMPARE(m_service->storage()->addressBook()->completions(QStringLiteral("carol")),
             QStringList{QStringLiteral("carol@example.net")});

    // The draft replaced in place; then, no longer a draft, a second replacement is refused.
    Draft d = sampleDraft();
    d.subject = QStringLiteral("replaced");
    const quint64 r1 = m_service->replaceMessageAsync(last, QStringLiteral("work"), d, &error);
    QVERIFY(r1 > 0);
    QTRY_COMPARE(enqueued.count(), 4);
    QCOMPARE(enqueued.at(3).at(0).value<quint64>(), r1);
    QCOMPARE(enqueued.at(3).at(1).toLongLong(), last);
    QCOMPARE(m_service->outbox()->summary(last)->subject, QStringLiteral("replaced"));
    const quint64 r2 = m_service->replaceMessageAsync(last, QStringLiteral("work"), d, &error);
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(failed.at(0).at(0).value<quint64>(), r2);
    QCOMPARE(m_service->outbox()->count(), 3);

    // Refused at once: no such account.
    error.clear();
    QCOMPARE(m_service->enqueueAsync(QStringLiteral("nope"), d, &error), quint64(0));
    QVERIFY(error.contains(QStringLiteral("nope")));

    // Handed over but the Service goes away before the event loop ran: still stored.
    QVERIFY(m_service->enqueueAsync(QStringLiteral("work"), d, &error) > 0);
    delete m_service;
    ServiceOptions o;
    o.dataDir = m_dir->path();
    o.credentials = &m_credentials;
    o.singleInstance = false;
    o.dispatch = false;
    m_service = new Service(o);
    QVERIFY2(m_service->open(&error), qPrintable(error));
    QCOMPARE(m_service->outbox()->count(), 4);
}

QTEST_GUILESS_MAIN(TestEditDraft)
#include "tst_editdraft.moc"
