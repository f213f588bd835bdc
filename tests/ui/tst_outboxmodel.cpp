// OutboxModel over a real outbox (OutboxReader): model invariants (QAbstractItemModelTester),
// filters, live updates, and 100 000 rows.
#include "Icons.h"
#include "OutboxModel.h"
#include "UiTestSupport.h"
#include "Words.h"
#include "mime/Address.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTableView>

using namespace outpost;
using namespace outpost::ui;
using namespace Qt::Literals::StringLiterals;

class TestOutboxModel : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void modelTester();
    void columnsShowTheSummary();
    void partlySentRow();
    void filters_data();
    void filters();
    void liveUpdates();
    void manyRows();
    void timeColumns();
    void outcomeApartFromTheServerReply();
    void searchFilters();
    void searchReadsARangeAtATime();

private:
    qint64 queue(const QString &to, const QString &subject,
                 MessageState state = MessageState::Queued);
    std::unique_ptr<test::UiFixture> f;
};

void TestOutboxModel::init()
{
    f = std::make_unique<test::UiFixture>();
    QVERIFY(f->open());
}

void TestOutboxModel::cleanup()
{
    f.reset();
}

qint64 TestOutboxModel::queue(const QString &to, const QString &subject, MessageState state)
{
    mime::Draft d;
    d.from = {u"Alice"_s, u"alice@example.org"_s};
    d.to = mime::parseAddressList(to).mailboxes;
    d.subject = subject;
    d.textBody = u"Hello"_s;
    const auto r = f->service->enqueue(u"work"_s, d, {}, state);
    if (!r.ok())
        qWarning("enqueue: %s", qPrintable(r.error));
    return r.id;
}

void TestOutboxModel::modelTester()
{
    queue(u"a@example.org"_s, u"one"_s);
    queue(u"b@example.org"_s, u"two"_s);
    OutboxModel model(f->service->outbox());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 2);
    const qint64 c = queue(u"c@example.org"_s, u"three"_s);
    QTRY_COMPARE(model.rowCount(), 3);
    QString error;
    QVERIFY(f->service->storage()->writeNow(&OutboxWriter::hold, c, &error));
    model.setFilter(OutboxModel::Filter::Held);
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(f->service->storage()->writeNow(&OutboxWriter::release, c, &error));
    QTRY_COMPARE(model.rowCount(), 0);
    model.setFilter(OutboxModel::Filter::All);
    QVERIFY(f->service->storage()->writeNow(&OutboxWriter::remove, c, &error));
    QTRY_COMPARE(model.rowCount(), 2);
    for (int r = 0; r < model.rowCount(); ++r) {
        for (int col = 0; col < model.columnCount(); ++col)
            QVERIFY(model.data(model.index(r, col)).isValid() ||
                    col == OutboxModel::NextAttemptColumn || col == OutboxModel::OutcomeColumn ||
                    col == OutboxModel::ServerReplyColumn || col == OutboxModel::SentColumn);
    }
}

void TestOutboxModel::columnsShowTheSummary()
{
    const qint64 id = queue(u"Bob <bob@example.org>"_s, u"Quarterly report"_s);
    OutboxModel model(f->service->outbox());
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.idAt(0), id);
    QCOMPARE(model.rowOf(id), 0);
    QCOMPARE(model.data(model.index(0, OutboxModel::StateColumn)).toString(), u"Queued"_s);
    QVERIFY(!model.data(model.index(0, OutboxModel::StateColumn), Qt::DecorationRole)
                 .value<QIcon>()
                 .isNull());
    QCOMPARE(model.data(model.index(0, OutboxModel::RecipientsColumn)).toString(),
             u"Bob <bob@example.org>"_s);
    QCOMPARE(model.data(model.index(0, OutboxModel::SubjectColumn)).toString(),
             u"Quarterly report"_s);
    QCOMPARE(model.data(model.index(0, OutboxModel::AttemptsColumn)).toInt(), 0);
    QCOMPARE(model.data(model.index(0, 0), OutboxModel::IdRole).toLongLong(), id);
    QCOMPARE(model.data(model.index(0, 0), OutboxModel::StateRole).toInt(),
             int(MessageState::Queued));
    QCOMPARE(model.headerData(OutboxModel::OutcomeColumn, Qt::Horizontal).toString(), u"Outcome"_s);
    QCOMPARE(model.headerData(OutboxModel::ServerReplyColumn, Qt::Horizontal).toString(),
             u"Server reply"_s);
}

void TestOutboxModel::partlySentRow()
{
    // A message the server took for bob only (carol refused for good) is no plain "Sent": its
    // own words and icon, who was refused in the tooltip; a complete one stays "Sent" with ✓.
    const qint64 partial = queue(u"bob@example.org, carol@example.org"_s, u"partly"_s);
    const qint64 complete = queue(u"dave@example.org"_s, u"all"_s);
    QString error;
    QCOMPARE(f->service->storage()
                 ->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1))
                 .size(),
             2);
    DeliveryUpdate u;
    u.id = partial;
    u.state = MessageState::Sent;
    u.event = HistoryEvent::SentSomeRefused;
    u.reply = {550, "5.1.1", {"No such user"}};
    u.recipients = {{"bob@example.org", MessageState::Sent, {250, "2.0.0", {"Ok"}}},
                    {"carol@example.org", MessageState::Failed, u.reply}};
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, u, &error),
             qPrintable(error));
    DeliveryUpdate c;
    c.id = complete;
    c.state = MessageState::Sent;
    c.event = HistoryEvent::Sent;
    c.reply = {250, "2.0.0", {"Ok"}};
    c.recipients = {{"dave@example.org", MessageState::Sent, c.reply}};
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, c, &error),
             qPrintable(error));

    OutboxModel model(f->service->outbox());
    model.setFilter(OutboxModel::Filter::Sent); // still sent: the server took it
    QCOMPARE(model.rowCount(), 2);
    const int p = model.rowOf(partial);
    const int a = model.rowOf(complete);
    QVERIFY(p >= 0 && a >= 0);
    const QModelIndex state = model.index(p, OutboxModel::StateColumn);
    QCOMPARE(model.data(state).toString(), u"Sent to 1 of 2 recipients"_s);
    QCOMPARE(model.data(state, Qt::AccessibleTextRole).toString(), u"Sent to 1 of 2 recipients"_s);
    QCOMPARE(model.data(state, OutboxModel::DeliveryRole).toInt(), int(Delivery::Partial));
    const QIcon icon = model.data(state, Qt::DecorationRole).value<QIcon>();
    QCOMPARE(icon.cacheKey(), Icons::partiallySent().cacheKey());
    QVERIFY(icon.cacheKey() != Icons::state(MessageState::Sent).cacheKey());
    QVERIFY(icon.pixmap(16).toImage() != Icons::state(MessageState::Sent).pixmap(16).toImage());
    const QString tip = model.data(state, Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(u"Sent to 1 of 2 recipients"_s), qPrintable(tip));
    QVERIFY2(tip.contains(u"carol@example.org: 550 5.1.1 No such user"_s), qPrintable(tip));
    QVERIFY2(!tip.contains(u"bob@"_s), qPrintable(tip));
    const QModelIndex last = model.index(p, OutboxModel::ServerReplyColumn);
    QCOMPARE(model.data(last).toString(), u"550 5.1.1 No such user"_s);
    QVERIFY(model.data(last, Qt::ToolTipRole).toString().contains(u"refusal"_s));

    const QModelIndex done = model.index(a, OutboxModel::StateColumn);
    QCOMPARE(model.data(done).toString(), u"Sent"_s);
    QCOMPARE(model.data(done, OutboxModel::DeliveryRole).toInt(), int(Delivery::Complete));
    QCOMPARE(model.data(done, Qt::DecorationRole).value<QIcon>().cacheKey(),
             Icons::state(MessageState::Sent).cacheKey());
    QCOMPARE(model.data(done, Qt::ToolTipRole).toString(), u"Sent"_s);
}

void TestOutboxModel::filters_data()
{
    QTest::addColumn<int>("filter");
    QTest::addColumn<QStringList>("subjects");
    QTest::newRow("all") << int(OutboxModel::Filter::All)
                         << QStringList{u"draft"_s, u"held"_s, u"queued 2"_s, u"queued 1"_s};
    QTest::newRow("queued") << int(OutboxModel::Filter::Queued)
                            << QStringList{u"queued 2"_s, u"queued 1"_s};
    QTest::newRow("held") << int(OutboxModel::Filter::Held) << QStringList{u"held"_s};
    QTest::newRow("drafts") << int(OutboxModel::Filter::Drafts) << QStringList{u"draft"_s};
    QTest::newRow("sent") << int(OutboxModel::Filter::Sent) << QStringList{};
    QTest::newRow("failed") << int(OutboxModel::Filter::Failed) << QStringList{};
}

void TestOutboxModel::filters()
{
    QFETCH(int, filter);
    QFETCH(QStringList, subjects);
    queue(u"a@example.org"_s, u"queued 1"_s);
    queue(u"a@example.org"_s, u"queued 2"_s);
    const qint64 held = queue(u"a@example.org"_s, u"held"_s);
    QString error;
    QVERIFY(f->service->storage()->writeNow(&OutboxWriter::hold, held, &error));
    queue(u"a@example.org"_s, u"draft"_s, MessageState::Draft);
    OutboxModel model(f->service->outbox());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setFilter(OutboxModel::Filter(filter));
    QStringList got;
    for (int r = 0; r < model.rowCount(); ++r)
        got << model.data(model.index(r, OutboxModel::SubjectColumn)).toString();
    QCOMPARE(got, subjects);
}

void TestOutboxModel::liveUpdates()
{
    OutboxModel model(f->service->outbox());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setFilter(OutboxModel::Filter::Queued);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    const qint64 first = queue(u"a@example.org"_s, u"first"_s);
    const qint64 second = queue(u"a@example.org"_s, u"second"_s);
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(model.idAt(0), second); // newest first
    QCOMPARE(model.idAt(1), first);
    QVERIFY(inserted.count() >= 1);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    // Holding moves it out of the "queued" filter; releasing brings it back in place.
    QString error;
    QVERIFY(f->service->storage()->writeNow(&OutboxWriter::hold, first, &error));
    QTRY_COMPARE(model.rowCount(), 1);
    QVERIFY(f->service->storage()->writeNow(&OutboxWriter::release, first, &error));
    QTRY_COMPARE(model.rowCount(), 2);
    QCOMPARE(model.idAt(1), first);
    // A change that keeps it in the filter is a dataChanged of its row.
    changed.clear();
    QVERIFY(f->service->storage()->writeNow(&OutboxWriter::retryNow, second, &error, nullptr));
    QTRY_VERIFY(!changed.isEmpty());
}

void TestOutboxModel::manyRows()
{
    // 100 000 messages: one bulk insert, then the model must load and scroll without reading
    // every row.
    const int n = 100000;
    QList<NewMessage> batch;
    batch.reserve(n);
    for (int i = 0; i < n; ++i) {
        NewMessage m;
        m.account = u"work"_s;
        m.messageId = "m" + QByteArray::number(i) + "@example.org";
        m.data = "From: alice@example.org\r\nTo: b@example.org\r\nSubject: n\r\nMessage-ID: <" +
                 m.messageId + ">\r\n\r\nx\r\n";
        m.reversePath = "alice@example.org";
        m.recipients = {"b@example.org"};
        m.fromText = u"alice@example.org"_s;
        m.toText = u"b@example.org"_s;
        m.subject = u"Message %1"_s.arg(i);
        batch << m;
    }
    QString error;
    QElapsedTimer t;
    t.start();
    const auto ids = f->service->storage()->writeNow(&OutboxWriter::enqueueMany, batch, &error);
    QCOMPARE(ids.size(), n);
    qInfo("enqueueMany(%d): %lld ms", n, t.restart());

    OutboxModel model(f->service->outbox());
    // Only the first page is read: the table opens as fast as for an empty outbox.
    QCOMPARE(model.rowCount(), OutboxModel::kPageSize);
    QVERIFY(model.canFetchMore({}));
    QCOMPARE(model.data(model.index(0, OutboxModel::SubjectColumn)).toString(), u"Message 99999"_s);
    qInfo("model load: %lld ms", t.restart());
    QTableView view;
    view.setModel(&model);
    view.resize(800, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    // Scrolling to the end makes the view fetch the next page.
    view.scrollToBottom();
    QTRY_VERIFY(model.rowCount() > OutboxModel::kPageSize);
    // Any message can be reached (selectMessage uses this): pages load up to it.
    QCOMPARE(model.ensureRow(ids.first()), n - 1);
    QCOMPARE(model.rowCount(), n);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(model.data(model.index(n - 1, OutboxModel::SubjectColumn)).toString(), u"Message 0"_s);
    qInfo("show, scroll and load all pages: %lld ms", t.restart());

    // A burst of changes (the store's per-message signals after enqueueMany) becomes one reset,
    // which shows the first page again with the new messages on top.
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QCoreApplication::processEvents();
    const auto more =
        f->service->storage()->writeNow(&OutboxWriter::enqueueMany, batch.mid(0, 500), &error);
    QCOMPARE(more.size(), 500);
    QTRY_COMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), OutboxModel::kPageSize);
    QCOMPARE(model.idAt(0), more.last());
    QCOMPARE(f->service->outbox()->count(), n + 500);
    qInfo("500 more: %lld ms", t.restart());
}

QTEST_MAIN(TestOutboxModel)
#include "tst_outboxmodel.moc"

void TestOutboxModel::timeColumns()
{
    // Created and sent times in the locale's words, relative while recent, ordered by the
    // real time (SortRole), the full time in the tooltip.
    const QDateTime before = QDateTime::currentDateTimeUtc();
    const qint64 id = queue(u"bob@example.org"_s, u"timed"_s);
    OutboxModel model(f->service->outbox());
    const QModelIndex created = model.index(0, OutboxModel::CreatedColumn);
    QCOMPARE(model.data(created).toString(), u"just now"_s);
    const qint64 createdMs = model.data(created, OutboxModel::SortRole).toLongLong();
    QVERIFY(createdMs >= before.toMSecsSinceEpoch() - 1000);
    QVERIFY(createdMs <= QDateTime::currentMSecsSinceEpoch());
    QVERIFY(!model.data(created, Qt::ToolTipRole).toString().isEmpty());
    QCOMPARE(model.data(model.index(0, OutboxModel::SentColumn)).toString(), QString());
    QCOMPARE(
        model.data(model.index(0, OutboxModel::SentColumn), OutboxModel::SortRole).toLongLong(), 0);
    QCOMPARE(model.headerData(OutboxModel::CreatedColumn, Qt::Horizontal).toString(), u"Created"_s);
    QCOMPARE(model.headerData(OutboxModel::NextAttemptColumn, Qt::Horizontal).toString(),
             u"Next attempt"_s);

    QCOMPARE(f->service->storage()
                 ->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1))
                 .size(),
             1);
    DeliveryUpdate u;
    u.id = id;
    u.state = MessageState::Sent;
    u.event = HistoryEvent::Sent;
    u.reply = {250, "2.0.0", {"Ok"}};
    u.recipients = {{"bob@example.org", MessageState::Sent, u.reply}};
    QString error;
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdate, u, &error),
             qPrintable(error));
    const QModelIndex sent = model.index(0, OutboxModel::SentColumn);
    QTRY_COMPARE(model.data(sent).toString(), u"just now"_s);
    QVERIFY(model.data(sent, OutboxModel::SortRole).toLongLong() >= createdMs);
    QCOMPARE(f->service->outbox()->summary(id)->sentAt.toMSecsSinceEpoch(),
             model.data(sent, OutboxModel::SortRole).toLongLong());

    // Older times: the time alone today, "yesterday", else the locale's date and time.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QCOMPARE(Words::pastTime(now.addSecs(-30), now), u"just now"_s);
    QCOMPARE(Words::pastTime(now.addSecs(-5 * 60), now), u"5 min ago"_s);
    const QDateTime dayBefore = now.toLocalTime().addDays(-1);
    QCOMPARE(Words::pastTime(dayBefore, now),
             u"yesterday %1"_s.arg(QLocale().toString(dayBefore.time(), QLocale::ShortFormat)));
    const QDateTime long_ago = now.addDays(-30);
    QCOMPARE(Words::pastTime(long_ago, now),
             QLocale().toString(long_ago.toLocalTime(), QLocale::ShortFormat));
}

void TestOutboxModel::outcomeApartFromTheServerReply()
{
    // A connection that failed has no server reply: the outcome column says what Outpost
    // found, the reply column stays empty; a refusal shows both, each in its own column.
    const qint64 down = queue(u"bob@example.org"_s, u"down"_s);
    const qint64 refused = queue(u"carol@example.org"_s, u"refused"_s);
    QCOMPARE(f->service->storage()
                 ->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1))
                 .size(),
             2);
    DeliveryUpdate n;
    n.id = down;
    n.state = MessageState::Queued;
    n.errorClass = ErrorClass::Network;
    n.detail = u"Connection refused"_s;
    n.event = HistoryEvent::DeferredUnreachable;
    n.nextAttemptAt = QDateTime::currentDateTimeUtc().addSecs(60);
    DeliveryUpdate r;
    r.id = refused;
    r.state = MessageState::Failed;
    r.errorClass = ErrorClass::Permanent;
    r.reply = {554, "5.7.1", {"Relay access denied"}};
    r.event = HistoryEvent::Failed;
    QString error;
    QVERIFY2(f->service->storage()->writeNow(&OutboxWriter::applyUpdates,
                                             QList<DeliveryUpdate>{n, r}, &error),
             qPrintable(error));
    OutboxModel model(f->service->outbox());
    const int d = model.rowOf(down);
    const int x = model.rowOf(refused);
    QCOMPARE(model.data(model.index(d, OutboxModel::OutcomeColumn)).toString(),
             u"The server could not be reached."_s);
    QCOMPARE(model.data(model.index(d, OutboxModel::ServerReplyColumn)).toString(), QString());
    QCOMPARE(model.data(model.index(d, OutboxModel::ServerReplyColumn), Qt::ToolTipRole).toString(),
             u"No reply from the server"_s);
    QCOMPARE(model.data(model.index(x, OutboxModel::OutcomeColumn)).toString(),
             u"The server refused the message."_s);
    QCOMPARE(model.data(model.index(x, OutboxModel::ServerReplyColumn)).toString(),
             u"554 5.7.1 Relay access denied"_s);
}

void TestOutboxModel::searchFilters()
{
    const qint64 a = queue(u"Alice Adams <alice@example.org>"_s, u"Quarterly report"_s);
    const qint64 b = queue(u"bob@example.org"_s, u"Report: 100% done_now"_s);
    const qint64 c = queue(u"Zoë <zoe@example.net>"_s, u"ÜBER alles"_s);
    const qint64 d = queue(u"dave@example.org"_s, u"lunch"_s, MessageState::Draft);
    OutboxModel model(f->service->outbox());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto shown = [&] {
        QList<qint64> ids;
        for (int r = 0; r < model.rowCount(); ++r)
            ids << model.idAt(r);
        return ids;
    };
    model.setSearch(u"REPORT"_s);
    QTRY_VERIFY(!model.isSearching());
    QCOMPARE(shown(), (QList<qint64>{b, a}));
    // Every word must occur, in the recipients or the subject.
    model.setSearch(u"alice quarterly"_s);
    QTRY_VERIFY(!model.isSearching());
    QCOMPARE(shown(), QList<qint64>{a});
    // LIKE's wildcards are plain characters here.
    model.setSearch(u"100%"_s);
    QTRY_VERIFY(!model.isSearching());
    QCOMPARE(shown(), QList<qint64>{b});
    model.setSearch(u"d_ne"_s);
    QTRY_VERIFY(!model.isSearching());
    QCOMPARE(shown(), QList<qint64>{});
    // Non-ASCII letters in another case.
    model.setSearch(u"über"_s);
    QTRY_VERIFY(!model.isSearching());
    QCOMPARE(shown(), QList<qint64>{c});
    model.setSearch(u"ZOË"_s);
    QTRY_VERIFY(!model.isSearching());
    QCOMPARE(shown(), QList<qint64>{c});
    // With a filter: both apply.
    model.setSearch(u"example.org"_s);
    model.setFilter(OutboxModel::Filter::Drafts);
    QTRY_VERIFY(!model.isSearching());
    QCOMPARE(shown(), QList<qint64>{d});
    model.setFilter(OutboxModel::Filter::All);
    QTRY_VERIFY(!model.isSearching());
    QCOMPARE(shown(), (QList<qint64>{d, b, a}));
    // Live: a change that makes a message match or not moves it in or out.
    QString error;
    QVERIFY(f->service->storage()->writeNow(&OutboxWriter::remove, b, &error));
    QTRY_COMPARE(shown(), (QList<qint64>{d, a}));
    model.setSearch(QString());
    QCOMPARE(model.rowCount(), 3);
}

void TestOutboxModel::searchReadsARangeAtATime()
{
    // More messages than one range of ids: the search reads kSearchSliceIds ids per query,
    // newest first, a page of matches at a time; the rest loads as the view scrolls.
    const int n = 3 * OutboxModel::kSearchSliceIds;
    QList<NewMessage> batch;
    for (int i = 0; i < n; ++i) {
        NewMessage m;
        m.account = u"work"_s;
        m.messageId = "s" + QByteArray::number(i) + "@example.org";
        m.data = "From: alice@example.org\r\nTo: b@example.org\r\nSubject: n\r\nMessage-ID: <" +
                 m.messageId + ">\r\n\r\nx\r\n";
        m.reversePath = "alice@example.org";
        m.recipients = {"b@example.org"};
        m.toText = i % 10 == 0 ? u"needle@example.org"_s : u"hay@example.org"_s;
        m.subject = u"Message %1"_s.arg(i);
        batch << m;
    }
    QString error;
    const auto ids = f->service->storage()->writeNow(&OutboxWriter::enqueueMany, batch, &error);
    QCOMPARE(ids.size(), n);
    OutboxModel model(f->service->outbox());
    QSignalSpy paused(&model, &OutboxModel::searchPaused);
    model.setSearch(u"needle"_s);
    QTRY_COMPARE(paused.size(), 1);
    // A page of matches at least (one in ten: 500 matches need 5,000 ids, two ranges), not
    // all of them.
    const int first = model.rowCount();
    QVERIFY2(first >= OutboxModel::kPageSize && first < n / 10, qPrintable(QString::number(first)));
    QVERIFY(model.canFetchMore({}));
    QCOMPARE(model.idAt(0), ids.at(n - 10));
    model.fetchMore({});
    QTRY_COMPARE(paused.size(), 2);
    QVERIFY(model.rowCount() > first);
    // ensureRow reads on until the message is there.
    QCOMPARE(model.ensureRow(ids.first()), n / 10 - 1);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(model.rowCount(), n / 10);
}
