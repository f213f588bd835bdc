// outpost_bench: the C++ half of tests/bench/run.sh. Each subcommand measures one thing
// through the core API and prints `key=value` lines (times in ms, rates in messages/s) that
// run.sh turns into its table. Not a test: it asserts nothing and is never run by ctest.
//
//   outpost_bench fill    --data-dir D --count N [--size BYTES] [--batch K] [--host H --port P
//                         --security none|tls --ca-file PEM] [--account NAME]
//       creates the account if missing and queues N messages with OutboxWriter::enqueueMany,
//       K per transaction.
//   outpost_bench enqueue [--count N] [--size BYTES] [--compose N] [--async N]
//       enqueue rate in a fresh outbox: OutboxWriter::enqueue one by one, enqueueMany in
//       batches of 100 and in one batch, and Service::enqueue (GMime composition) one by one;
//       then N separate Storage::enqueueAsync calls (group commit) made back to back, and
//       N made one per event-loop turn, each timed until the last is durable (signalled).
//   outpost_bench open    --data-dir D
//       time of Service::open (as the app opens: lock, local server, recovery, dispatcher),
//       then of OutboxReader::list() of everything and of count().
//   outpost_bench listjson --data-dir D
//       where `outpost list --json` spends its time: OutboxReader::list(), building the
//       QJsonArray as the CLI does, QJsonDocument::toJson(), the UTF-8 -> QString -> UTF-8
//       round trip of the CLI's out(); and the same JSON written one object at a time (what
//       the CLI does now, reading the rows with OutboxReader::forEachSummary, also timed).
//   outpost_bench quit    --ports P1,P2,... [--repeat R]
//       one account per port (security none), one message each, so one pooled session per
//       server; once all are idle, the time from Service::shutdown() to shutdownFinished()
//       and to the end of the Service (what happens before the process exits).
//   outpost_bench stall   --port P [--host H] [--count N] [--attach BYTES] [--data-dir D]
//       the event-loop stall: a 5 ms QTimer in the thread that runs the core records
//       the gaps between its ticks while (1) N messages with an attachment of BYTES octets are
//       composed and queued with Service::enqueueAsync, one per event-loop turn, as the compose
//       window does (until the last is durable), and (2) they are flushed through Service /
//       Dispatcher / Transport to the server at H:P (security none). Prints per phase the
//       longest gap with our thread's CPU time in it and its wait for a CPU (schedstat), the
//       longest gap less that wait, the 99th percentile, and the slowest event deliveries.

#include "accounts/Account.h"
#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "accounts/Settings.h"
#include "mime/MessageComposer.h"
#include "outbox/Clock.h"
#include "outbox/Dispatcher.h"
#include "outbox/MessageJson.h"
#include "outbox/Retention.h"
#include "outbox/Service.h"
#include "smtp/Transport.h"
#include "storage/Database.h"
#include "storage/Storage.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <sys/resource.h>
#include <unistd.h>

using namespace outpost;

namespace {

void print(const QString &s)
{
    const QByteArray b = (s + QLatin1Char('\n')).toUtf8();
    std::fwrite(b.constData(), 1, size_t(b.size()), stdout);
    std::fflush(stdout);
}

[[noreturn]] void fail(const QString &s)
{
    const QByteArray b = (QStringLiteral("outpost_bench: ") + s + QLatin1Char('\n')).toUtf8();
    std::fwrite(b.constData(), 1, size_t(b.size()), stderr);
    std::exit(1);
}

/// `--name value` from the arguments, or `fallback`.
QString arg(const QStringList &args, const QString &name, const QString &fallback = {})
{
    const qsizetype i = args.indexOf(QStringLiteral("--") + name);
    return i >= 0 && i + 1 < args.size() ? args.at(i + 1) : fallback;
}

double rate(qint64 count, qint64 ns)
{
    return ns > 0 ? double(count) * 1e9 / double(ns) : 0.0;
}

QString fmt(double v, int decimals = 1)
{
    return QString::number(v, 'f', decimals);
}

/// A plain-text RFC 5322 message whose body is exactly `bodySize` octets (lines of 76
/// characters plus CRLF), like smtp-source -l.
NewMessage makeMessage(const QString &account, int n, int bodySize)
{
    static const QByteArray stamp = QByteArray::number(QDateTime::currentMSecsSinceEpoch());
    const QByteArray msgId = "bench." + QByteArray::number(n) + '.' + stamp + "@example.org";
    QByteArray data = "From: Bench <bench@example.org>\r\n"
                      "To: Sink <sink@example.net>\r\n"
                      "Subject: bench message " +
                      QByteArray::number(n) + "\r\nMessage-ID: <" + msgId +
                      ">\r\n"
                      "Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n"
                      "MIME-Version: 1.0\r\n"
                      "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
    QByteArray body;
    body.reserve(bodySize);
    static const QByteArray line =
        QByteArray("The quick brown fox jumps over the lazy dog; outpost bench line 0123456789.")
            .left(76) +
        "\r\n";
    while (body.size() + line.size() <= bodySize)
        body += line;
    if (body.size() < bodySize) {
        const qsizetype rest = bodySize - body.size();
        body += rest >= 2 ? QByteArray(rest - 2, 'x') + "\r\n" : QByteArray(rest, '\n');
    }
    data += body;
    NewMessage m;
    m.account = account;
    m.data = data;
    m.messageId = msgId;
    m.reversePath = "bench@example.org";
    m.recipients = {"sink@example.net"};
    m.fromText = QStringLiteral("Bench <bench@example.org>");
    m.toText = QStringLiteral("Sink <sink@example.net>");
    m.subject = QStringLiteral("bench message %1").arg(n);
    return m;
}

/// Gives message `n` recipients and a subject of its own (fixed pseudo-random picks from
/// small lists of names, domains and words, some with non-ASCII letters), as an outbox that
/// is searched would have. The stored bytes stay makeMessage()'s: only the listing fields
/// are searched.
void vary(NewMessage *m, int n)
{
    static const char *const names[] = {"alice",   "bob",    "carol",  "dave",   "erin",
                                        "frank",   "grace",  "heidi",  "ivan",   "judy",
                                        "mallory", "oscar",  "peggy",  "rupert", "sybil",
                                        "trent",   "victor", "walter", "zoë",    "jürgen"};
    static const char *const domains[] = {"example.org", "example.net", "mail.example.com",
                                          "bücher.example", "firma.example"};
    static const char *const words[] = {
        "invoice", "meeting", "report",  "holiday",  "budget",   "quarterly", "release",  "Über",
        "café",    "notes",   "minutes", "contract", "proposal", "feedback",  "schedule", "review"};
    QRandomGenerator g(quint32(n) * 2654435761u + 1);
    QStringList to;
    for (int k = 0; k < 2; ++k) {
        const QString name = QString::fromUtf8(names[g.bounded(int(std::size(names)))]);
        QString display = name;
        display[0] = display[0].toUpper();
        to << QStringLiteral("%1 <%2@%3>")
                  .arg(display, name,
                       QString::fromUtf8(domains[g.bounded(int(std::size(domains)))]));
    }
    m->toText = to.join(QLatin1String(", "));
    QStringList subject;
    for (int k = 0; k < 3; ++k)
        subject << QString::fromUtf8(words[g.bounded(int(std::size(words)))]);
    m->subject = subject.join(QLatin1Char(' ')) + QStringLiteral(" %1").arg(n);
}

std::unique_ptr<Service> openService(const QString &dir, CredentialStore *credentials,
                                     bool singleInstance, bool dispatch)
{
    ServiceOptions o;
    o.dataDir = dir;
    o.credentials = credentials;
    o.singleInstance = singleInstance;
    o.dispatch = dispatch;
    auto s = std::make_unique<Service>(o);
    QString error;
    if (!s->open(&error))
        fail(QStringLiteral("cannot open %1: %2").arg(dir, error));
    return s;
}

void ensureAccount(Service *s, const QString &name, const QString &host, quint16 port,
                   Security security, const QString &caFile)
{
    if (s->accounts()->find(name))
        return;
    Account a;
    a.name = name;
    a.host = host;
    a.port = port;
    a.security = security;
    a.auth = QStringLiteral("none");
    a.from = QStringLiteral("bench@example.org");
    if (!caFile.isEmpty())
        a.caFile = QFileInfo(caFile).absoluteFilePath();
    QString error;
    if (!s->accounts()->add(a, &error))
        fail(QStringLiteral("cannot add account %1: %2").arg(name, error));
    s->accounts()->setDefaultAccount(name, &error);
}

int cmdFill(const QStringList &args)
{
    const QString dir = arg(args, QStringLiteral("data-dir"));
    if (dir.isEmpty())
        fail(QStringLiteral("fill needs --data-dir"));
    const int count = arg(args, QStringLiteral("count"), QStringLiteral("1000")).toInt();
    const int size = arg(args, QStringLiteral("size"), QStringLiteral("10240")).toInt();
    const int batch =
        std::max(1, arg(args, QStringLiteral("batch"), QStringLiteral("1000")).toInt());
    const QString account = arg(args, QStringLiteral("account"), QStringLiteral("bench"));
    const bool varied = args.contains(QStringLiteral("--varied"));
    Security security = Security::None;
    securityFromName(arg(args, QStringLiteral("security"), QStringLiteral("none")), &security);
    MemoryCredentialStore credentials;
    auto s = openService(dir, &credentials, false, false);
    ensureAccount(s.get(), account, arg(args, QStringLiteral("host"), QStringLiteral("127.0.0.1")),
                  quint16(arg(args, QStringLiteral("port"), QStringLiteral("9")).toUInt()),
                  security, arg(args, QStringLiteral("ca-file")));
    QElapsedTimer t;
    t.start();
    for (int done = 0; done < count;) {
        QList<NewMessage> list;
        const int n = std::min(batch, count - done);
        list.reserve(n);
        for (int i = 0; i < n; ++i) {
            list << makeMessage(account, done + i, size);
            if (varied)
                vary(&list.last(), done + i);
        }
        QString error;
        if (s->storage()->writeNow(&OutboxWriter::enqueueMany, list, &error).size() != n)
            fail(QStringLiteral("enqueueMany: %1").arg(error));
        done += n;
    }
    const qint64 ns = t.nsecsElapsed();
    // --sent-days-ago N: every message as if sent N days ago (the purge and retention benches).
    if (const QString days = arg(args, QStringLiteral("sent-days-ago")); !days.isEmpty()) {
        const qint64 at = QDateTime::currentMSecsSinceEpoch() - days.toLongLong() * 86400000;
        s->storage()->writeNow([at](StorageWriter &w) {
            QSqlQuery q(w.db.db());
            q.prepare(QStringLiteral(
                "UPDATE messages SET state = 'sent', created_at = ?, updated_at = ?"));
            q.addBindValue(at);
            q.addBindValue(at);
            if (!q.exec())
                fail(QStringLiteral("marking sent: %1").arg(q.lastError().text()));
            w.db.checkpoint();
        });
    }
    print(QStringLiteral("fill_count=%1").arg(count));
    print(QStringLiteral("fill_ms=%1").arg(fmt(double(ns) / 1e6)));
    print(QStringLiteral("fill_rate=%1").arg(fmt(rate(count, ns))));
    return 0;
}

int cmdEnqueue(const QStringList &args)
{
    const int count = arg(args, QStringLiteral("count"), QStringLiteral("2000")).toInt();
    const int size = arg(args, QStringLiteral("size"), QStringLiteral("10240")).toInt();
    const int composeCount = arg(args, QStringLiteral("compose"), QStringLiteral("500")).toInt();
    QTemporaryDir tmp;
    MemoryCredentialStore credentials;
    auto s = openService(tmp.path(), &credentials, false, false);
    ensureAccount(s.get(), QStringLiteral("bench"), QStringLiteral("127.0.0.1"), 9, Security::None,
                  {});
    Storage *storage = s->storage();

    // Messages are built before the clock starts: only the store is measured.
    QList<NewMessage> msgs;
    msgs.reserve(count);
    for (int i = 0; i < count; ++i)
        msgs << makeMessage(QStringLiteral("bench"), i, size);
    QString error;

    QElapsedTimer t;
    t.start();
    for (const NewMessage &m : std::as_const(msgs)) {
        if (!storage->writeNow(&OutboxWriter::enqueue, m, &error))
            fail(QStringLiteral("enqueue: %1").arg(error));
    }
    const qint64 oneNs = t.nsecsElapsed();

    t.restart();
    for (int i = 0; i < count; i += 100) {
        if (storage->writeNow(&OutboxWriter::enqueueMany, msgs.mid(i, 100), &error).isEmpty())
            fail(QStringLiteral("enqueueMany: %1").arg(error));
    }
    const qint64 batchNs = t.nsecsElapsed();

    t.restart();
    if (storage->writeNow(&OutboxWriter::enqueueMany, msgs, &error).size() != count)
        fail(QStringLiteral("enqueueMany: %1").arg(error));
    const qint64 allNs = t.nsecsElapsed();

    // Service::enqueue: what the compose window and `outpost queue` do (GMime + store).
    mime::Draft draft;
    draft.from = {QStringLiteral("Bench"), QStringLiteral("bench@example.org")};
    draft.to = {{QStringLiteral("Sink"), QStringLiteral("sink@example.net")}};
    draft.subject = QStringLiteral("bench message");
    const QByteArray &raw = msgs.first().data;
    draft.textBody = QString::fromLatin1(raw.mid(raw.indexOf("\r\n\r\n") + 4));
    t.restart();
    for (int i = 0; i < composeCount; ++i) {
        const auto r = s->enqueue(QStringLiteral("bench"), draft);
        if (!r.ok())
            fail(QStringLiteral("Service::enqueue: %1").arg(r.error));
    }
    const qint64 composeNs = t.nsecsElapsed();

    // Group commit: N separate calls, the clock stops when the last enqueued() arrived.
    const int asyncCount = arg(args, QStringLiteral("async"), QStringLiteral("10000")).toInt();
    QList<NewMessage> asyncMsgs;
    asyncMsgs.reserve(asyncCount);
    for (int i = 0; i < asyncCount; ++i)
        asyncMsgs << makeMessage(QStringLiteral("bench"), count + i, size);
    // As in the app: the group commit is written by the storage thread.
    if (!storage->useWorkerThread())
        fail(QStringLiteral("the storage thread cannot open the outbox"));
    auto runAsync = [&](bool oneTurnEach, int *groups) {
        int durable = 0, failedCount = 0;
        *groups = 0;
        QObject ctx;
        QEventLoop loop;
        QObject::connect(storage, &Storage::enqueued, &ctx, [&] {
            if (++durable + failedCount == asyncCount)
                loop.quit();
        });
        QObject::connect(storage, &Storage::enqueueFailed, &ctx, [&](quint64, const QString &e) {
            fail(QStringLiteral("enqueueAsync: %1").arg(e));
        });
        QObject::connect(storage, &Storage::groupCommitted, &ctx, [&] { ++*groups; });
        QElapsedTimer at;
        at.start();
        if (oneTurnEach) {
            // Each call from its own event-loop turn, as requests arriving one by one would.
            auto next = std::make_shared<std::function<void(int)>>();
            *next = [&, next](int i) {
                if (i >= asyncCount)
                    return;
                storage->enqueueAsync(asyncMsgs[i]);
                QTimer::singleShot(0, &ctx, [next, i] { (*next)(i + 1); });
            };
            (*next)(0);
        } else {
            for (const NewMessage &m : std::as_const(asyncMsgs))
                storage->enqueueAsync(m);
        }
        loop.exec();
        return at.nsecsElapsed();
    };
    int groupsBackToBack = 0, groupsTurns = 0;
    const qint64 asyncNs = runAsync(false, &groupsBackToBack);
    storage->setGroupCommitWindowMs(2);
    const qint64 asyncTurnsNs = runAsync(true, &groupsTurns);

    print(QStringLiteral("async_count=%1").arg(asyncCount));
    print(QStringLiteral("async_rate=%1").arg(fmt(rate(asyncCount, asyncNs))));
    print(QStringLiteral("async_groups=%1").arg(groupsBackToBack));
    print(QStringLiteral("async_turns_rate=%1").arg(fmt(rate(asyncCount, asyncTurnsNs))));
    print(QStringLiteral("async_turns_groups=%1").arg(groupsTurns));
    print(QStringLiteral("enqueue_count=%1").arg(count));
    print(QStringLiteral("enqueue_one_rate=%1").arg(fmt(rate(count, oneNs))));
    print(QStringLiteral("enqueue_batch100_rate=%1").arg(fmt(rate(count, batchNs))));
    print(QStringLiteral("enqueue_batchall_rate=%1").arg(fmt(rate(count, allNs))));
    print(QStringLiteral("compose_count=%1").arg(composeCount));
    print(QStringLiteral("compose_rate=%1").arg(fmt(rate(composeCount, composeNs))));
    return 0;
}

int cmdListJson(const QStringList &args)
{
    const QString dir = arg(args, QStringLiteral("data-dir"));
    if (dir.isEmpty())
        fail(QStringLiteral("listjson needs --data-dir"));
    MemoryCredentialStore credentials;
    QElapsedTimer t;
    t.start();
    auto s = openService(dir, &credentials, false, false);
    const qint64 openNs = t.nsecsElapsed();
    t.restart();
    const QList<MessageSummary> list = s->outbox()->list();
    const qint64 listNs = t.nsecsElapsed();
    t.restart();
    qint64 visited = 0;
    s->outbox()->forEachSummary(std::nullopt, [&](const MessageSummary &m) {
        visited += m.id > 0;
        return true;
    });
    const qint64 visitNs = t.nsecsElapsed();
    t.restart();
    QJsonArray arr;
    for (const MessageSummary &m : list)
        arr.append(json::summary(m));
    const qint64 arrayNs = t.nsecsElapsed();
    t.restart();
    const QByteArray json = QJsonDocument(arr).toJson(QJsonDocument::Compact);
    const qint64 toJsonNs = t.nsecsElapsed();
    t.restart();
    const QByteArray again = (QString::fromUtf8(json) + QLatin1Char('\n')).toUtf8();
    const qint64 roundTripNs = t.nsecsElapsed();
    t.restart();
    QByteArray streamed;
    streamed.reserve(json.size() + 2);
    streamed += '[';
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (i)
            streamed += ',';
        streamed += QJsonDocument(json::summary(list[i])).toJson(QJsonDocument::Compact);
    }
    streamed += "]\n";
    const qint64 streamNs = t.nsecsElapsed();
    // What the CLI does now (app/cli/Cli.cpp): rows streamed, one object reused and only the
    // fields that changed from the previous message written (json::SummaryObjects), each
    // element written by QJsonDocument.
    t.restart();
    QByteArray cli = "[";
    bool first = true;
    json::SummaryObjects objects;
    s->outbox()->forEachSummary(std::nullopt, [&](const MessageSummary &m) {
        if (!first)
            cli += ',';
        first = false;
        cli += QJsonDocument(objects.of(m)).toJson(QJsonDocument::Compact);
        return true;
    });
    cli += "]\n";
    const qint64 cliNs = t.nsecsElapsed();
    auto msOf = [](qint64 ns) {
        return fmt(double(ns) / 1e6);
    };
    print(QStringLiteral("lj_count=%1").arg(list.size()));
    print(QStringLiteral("lj_bytes=%1").arg(again.size()));
    print(QStringLiteral("lj_same=%1").arg(streamed == again ? 1 : 0));
    print(QStringLiteral("lj_open_ms=%1").arg(msOf(openNs)));
    print(QStringLiteral("lj_list_ms=%1").arg(msOf(listNs)));
    print(QStringLiteral("lj_visit_ms=%1").arg(msOf(visitNs)));
    print(QStringLiteral("lj_visited=%1").arg(visited));
    print(QStringLiteral("lj_array_ms=%1").arg(msOf(arrayNs)));
    print(QStringLiteral("lj_tojson_ms=%1").arg(msOf(toJsonNs)));
    print(QStringLiteral("lj_roundtrip_ms=%1").arg(msOf(roundTripNs)));
    print(QStringLiteral("lj_streamed_ms=%1").arg(msOf(streamNs)));
    print(QStringLiteral("lj_cli_ms=%1").arg(msOf(cliNs)));
    print(QStringLiteral("lj_cli_same=%1").arg(cli == again ? 1 : 0));
    return 0;
}

int cmdOpen(const QStringList &args)
{
    const QString dir = arg(args, QStringLiteral("data-dir"));
    if (dir.isEmpty())
        fail(QStringLiteral("open needs --data-dir"));
    MemoryCredentialStore credentials;
    QElapsedTimer t;
    t.start();
    // As the desktop app and `outpost flush` open it: lock, local server, recovery, dispatcher.
    auto s = openService(dir, &credentials, true, true);
    const qint64 openNs = t.nsecsElapsed();
    s->dispatcher()->stop(); // nothing is sent: the event loop never runs here anyway
    t.restart();
    const int listed = int(s->outbox()->list().size());
    const qint64 listNs = t.nsecsElapsed();
    t.restart();
    const int counted = s->outbox()->count();
    const qint64 countNs = t.nsecsElapsed();
    print(QStringLiteral("open_ms=%1").arg(fmt(double(openNs) / 1e6)));
    print(QStringLiteral("list_api_ms=%1").arg(fmt(double(listNs) / 1e6)));
    print(QStringLiteral("list_api_count=%1").arg(listed));
    print(QStringLiteral("count_ms=%1").arg(fmt(double(countNs) / 1e6)));
    print(QStringLiteral("count=%1").arg(counted));
    return 0;
}

/// Search: for each query, the window's way (OutboxModel: idsPage over ranges of
/// OutboxReader::kSearchSliceIds ids, newest first, until a page of 500 matches is found or
/// the outbox is read to its start): the time to the first page, the number of queries and the
/// longest one (what one turn of the window's event loop can take); `list --search`'s way
/// (forEachSummary over every match); and for comparison an FTS5 trigram index of the same
/// two columns in a TEMP table (build time, first page by MATCH; words of 3 letters or more).
int cmdSearch(const QStringList &args)
{
    const QString dir = arg(args, QStringLiteral("data-dir"));
    if (dir.isEmpty())
        fail(QStringLiteral("search needs --data-dir"));
    MemoryCredentialStore credentials;
    auto s = openService(dir, &credentials, false, false);
    OutboxReader *reader = s->outbox();
    const QStringList queries = {QStringLiteral("alice"),          QStringLiteral("invoice"),
                                 QStringLiteral("bob report"),     QStringLiteral("42"),
                                 QStringLiteral("jürgen"),         QStringLiteral("ÜBER"),
                                 QStringLiteral("nobody-has-this")};
    constexpr int kPage = 500;
    const int runs = 3;
    print(QStringLiteral("search_count=%1").arg(reader->count()));
    for (int qi = 0; qi < queries.size(); ++qi) {
        const QString &query = queries[qi];
        double bestFirst = 1e18, worstSlice = 0, bestList = 1e18;
        int slices = 0, found = 0, listed = 0;
        for (int run = 0; run < runs; ++run) {
            QElapsedTimer t;
            t.start();
            qint64 below = reader->maxId() + 1;
            found = 0;
            slices = 0;
            while (found < kPage && below > 1) {
                QElapsedTimer one;
                one.start();
                const qint64 from = std::max<qint64>(1, below - OutboxReader::kSearchSliceIds);
                found += int(
                    reader->idsPage({}, below, OutboxReader::kSearchSliceIds, query, from).size());
                below = from;
                ++slices;
                worstSlice = std::max(worstSlice, double(one.nsecsElapsed()) / 1e6);
            }
            bestFirst = std::min(bestFirst, double(t.nsecsElapsed()) / 1e6);
            t.restart();
            listed = 0;
            reader->forEachSummary(std::nullopt, query, [&](const MessageSummary &) {
                ++listed;
                return true;
            });
            bestList = std::min(bestList, double(t.nsecsElapsed()) / 1e6);
        }
        const QString key = QStringLiteral("search_%1_").arg(qi);
        print(key + QStringLiteral("query=%1").arg(query));
        print(key + QStringLiteral("first_page_ms=%1").arg(fmt(bestFirst)));
        print(key + QStringLiteral("first_page_rows=%1").arg(found));
        print(key + QStringLiteral("slices=%1").arg(slices));
        print(key + QStringLiteral("longest_slice_ms=%1").arg(fmt(worstSlice)));
        print(key + QStringLiteral("all_ms=%1").arg(fmt(bestList)));
        print(key + QStringLiteral("all_rows=%1").arg(listed));
    }

    // The alternative: FTS5 with the trigram tokenizer (SQLite 3.34+), case-insensitive for
    // the letters SQLite folds (unicode61's rules), in a TEMP table so the outbox is unchanged.
    QSqlDatabase db = reader->database()->db();
    QSqlQuery q(db);
    QElapsedTimer t;
    t.start();
    const bool fts =
        q.exec(QStringLiteral("CREATE VIRTUAL TABLE temp.bench_search USING fts5(to_text, "
                              "subject, tokenize = 'trigram')")) &&
        q.exec(QStringLiteral("INSERT INTO temp.bench_search (rowid, to_text, subject) SELECT id, "
                              "to_text, subject FROM messages"));
    print(QStringLiteral("fts_available=%1").arg(fts ? 1 : 0));
    if (!fts)
        return 0;
    print(QStringLiteral("fts_build_ms=%1").arg(fmt(double(t.nsecsElapsed()) / 1e6)));
    for (int qi = 0; qi < queries.size(); ++qi) {
        // Each word a quoted trigram phrase; shorter words cannot use the index.
        QStringList phrases;
        for (QString w : queries[qi].split(QLatin1Char(' '), Qt::SkipEmptyParts))
            phrases << QLatin1Char('"') + w.replace(QLatin1Char('"'), QLatin1String("\"\"")) +
                           QLatin1Char('"');
        double best = 1e18;
        int rows = 0;
        for (int run = 0; run < runs; ++run) {
            t.restart();
            QSqlQuery m(db);
            m.prepare(QStringLiteral("SELECT rowid FROM temp.bench_search WHERE bench_search "
                                     "MATCH ? ORDER BY rowid DESC LIMIT %1")
                          .arg(kPage));
            m.addBindValue(phrases.join(QLatin1Char(' ')));
            rows = 0;
            if (m.exec()) {
                while (m.next())
                    ++rows;
            } else {
                rows = -1;
            }
            best = std::min(best, double(t.nsecsElapsed()) / 1e6);
        }
        const QString key = QStringLiteral("search_%1_").arg(qi);
        print(key + QStringLiteral("fts_first_page_ms=%1").arg(fmt(best)));
        print(key + QStringLiteral("fts_first_page_rows=%1").arg(rows));
    }
    return 0;
}

/// Runs the event loop until `done()` is true or `timeoutMs` passed; false on timeout.
template <typename F> bool spin(F done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QEventLoop loop;
        QTimer::singleShot(5, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

int cmdQuit(const QStringList &args)
{
    QList<quint16> ports;
    for (const QString &p :
         arg(args, QStringLiteral("ports")).split(QLatin1Char(','), Qt::SkipEmptyParts))
        ports << quint16(p.toUInt());
    if (ports.isEmpty())
        fail(QStringLiteral("quit needs --ports P1,P2,..."));
    const int repeat =
        std::max(1, arg(args, QStringLiteral("repeat"), QStringLiteral("5")).toInt());
    QList<double> quitMs, endMs;
    int worstClean = int(ports.size());
    int totalAborted = 0;
    qint64 lastStartEpochNs = 0;
    for (int round = 0; round < repeat; ++round) {
        QTemporaryDir tmp;
        MemoryCredentialStore credentials;
        auto s = openService(tmp.path(), &credentials, false, true);
        QString error;
        s->settings()->set(QString(), QStringLiteral("pool.idle_ms"), QStringLiteral("600000"),
                           &error);
        QList<NewMessage> msgs;
        for (qsizetype i = 0; i < ports.size(); ++i) {
            const QString name = QStringLiteral("acct%1").arg(i);
            ensureAccount(s.get(), name, QStringLiteral("127.0.0.1"), ports[i], Security::None, {});
            msgs << makeMessage(name, int(i), 10240);
        }
        if (s->storage()->writeNow(&OutboxWriter::enqueueMany, msgs, &error).size() != msgs.size())
            fail(QStringLiteral("enqueueMany: %1").arg(error));
        s->flush();
        const int n = int(ports.size());
        if (!spin([&] { return s->outbox()->count(MessageState::Sent) == n; }, 30000))
            fail(QStringLiteral("the messages were not sent (%1 of %2)")
                     .arg(s->outbox()->count(MessageState::Sent))
                     .arg(n));
        // Let every session settle into idle in the pool.
        auto idle = [&] {
            const auto pool = s->transport()->poolState();
            return pool.size() == n &&
                   std::all_of(pool.begin(), pool.end(), [](const PoolSessionInfo &p) {
                       return !p.busy && p.state == SmtpSession::State::Ready;
                   });
        };
        if (!spin(idle, 10000))
            fail(QStringLiteral("the pool did not hold %1 idle sessions (%2)")
                     .arg(n)
                     .arg(s->transport()->poolState().size()));
        spin([] { return false; }, 200);

        bool finished = false;
        int clean = 0, aborted = 0;
        qint64 finishedNs = 0;
        QElapsedTimer t;
        QObject ctx;
        QObject::connect(s.get(), &Service::shutdownFinished, &ctx, [&](int c, int a) {
            finishedNs = t.nsecsElapsed();
            clean = c;
            aborted = a;
            finished = true;
        });
        lastStartEpochNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
        t.start();
        s->shutdown(10000);
        QEventLoop loop;
        QObject::connect(s.get(), &Service::shutdownFinished, &loop, &QEventLoop::quit,
                         Qt::QueuedConnection);
        QTimer::singleShot(15000, &loop, &QEventLoop::quit);
        loop.exec();
        if (!finished)
            fail(QStringLiteral("no shutdownFinished within 15 s"));
        s.reset();
        const qint64 endNs = t.nsecsElapsed();
        quitMs << double(finishedNs) / 1e6;
        endMs << double(endNs) / 1e6;
        worstClean = std::min(worstClean, clean);
        totalAborted += aborted;
        print(QStringLiteral(
                  "quit_round=%1 sessions=%2 shutdown_ms=%3 service_end_ms=%4 clean=%5 aborted=%6")
                  .arg(round + 1)
                  .arg(n)
                  .arg(fmt(double(finishedNs) / 1e6, 2), fmt(double(endNs) / 1e6, 2))
                  .arg(clean)
                  .arg(aborted));
    }
    auto median = [](QList<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    print(QStringLiteral("quit_sessions=%1").arg(ports.size()));
    print(QStringLiteral("quit_median_ms=%1").arg(fmt(median(quitMs), 2)));
    print(QStringLiteral("quit_max_ms=%1")
              .arg(fmt(*std::max_element(quitMs.begin(), quitMs.end()), 2)));
    print(QStringLiteral("quit_end_max_ms=%1")
              .arg(fmt(*std::max_element(endMs.begin(), endMs.end()), 2)));
    print(QStringLiteral("quit_min_clean=%1").arg(worstClean));
    print(QStringLiteral("quit_aborted=%1").arg(totalAborted));
    // run.sh takes the wall clock after the process exited: the rest of the way to exit.
    print(QStringLiteral("quit_last_start_ns=%1").arg(lastStartEpochNs));
    return 0;
}

/// CPU time of the calling thread (ns).
qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/// The application object: when enabled, it times every event delivered at the top level of
/// the main thread and keeps the slowest deliveries, named by their receiver (and its
/// parent) and event type, to tell what blocks the event loop.
class TimedApplication : public QCoreApplication
{
public:
    using QCoreApplication::QCoreApplication;
    bool notify(QObject *receiver, QEvent *event) override
    {
        if (!m_timing || m_depth > 0 || QThread::currentThread() != thread())
            return QCoreApplication::notify(receiver, event);
        // Named before the delivery: the receiver may be gone after it (deleteLater).
        const QString name =
            QString::fromLatin1(receiver->metaObject()->className()) +
            (receiver->objectName().isEmpty() ? QString()
                                              : QLatin1Char(' ') + receiver->objectName());
        const char *parentName =
            receiver->parent() ? receiver->parent()->metaObject()->className() : nullptr;
        const int type = int(event->type());
        ++m_depth;
        QElapsedTimer t;
        t.start();
        const qint64 cpu0 = threadCpuNs();
        rusage u0{};
        getrusage(RUSAGE_THREAD, &u0);
        const bool r = QCoreApplication::notify(receiver, event);
        rusage u1{};
        getrusage(RUSAGE_THREAD, &u1);
        const double ms = double(t.nsecsElapsed()) / 1e6;
        const double cpuMs = double(threadCpuNs() - cpu0) / 1e6;
        --m_depth;
        if (m_slowest.size() < 8 || ms > m_slowest.last().first) {
            QString who = name;
            if (parentName)
                who += QStringLiteral(" in ") + QString::fromLatin1(parentName);
            m_slowest.append(
                {ms, QStringLiteral("%1 (event %2, %3 ms on the CPU, %4 waits, %5 preempted)")
                         .arg(who)
                         .arg(type)
                         .arg(fmt(cpuMs, 2))
                         .arg(u1.ru_nvcsw - u0.ru_nvcsw)
                         .arg(u1.ru_nivcsw - u0.ru_nivcsw)});
            std::sort(m_slowest.begin(), m_slowest.end(),
                      [](const auto &a, const auto &b) { return a.first > b.first; });
            m_slowest.resize(std::min<qsizetype>(m_slowest.size(), 8));
        }
        return r;
    }
    void startTiming()
    {
        m_slowest.clear();
        m_timing = true;
    }
    /// The slowest deliveries since startTiming(), "ms receiver (event type)", slowest first.
    QStringList stopTiming()
    {
        m_timing = false;
        QStringList out;
        for (const auto &e : std::as_const(m_slowest))
            out << QStringLiteral("%1 ms %2").arg(fmt(e.first, 2), e.second);
        return out;
    }

private:
    bool m_timing = false;
    int m_depth = 0;
    QList<QPair<double, QString>> m_slowest;
};

TimedApplication *timedApp()
{
    return static_cast<TimedApplication *>(QCoreApplication::instance());
}

/// Time this thread spent runnable but waiting for a CPU (ns), from the kernel's schedstat
/// (its second field): what other processes took from us. -1 when not available.
class RunQueueClock
{
public:
    RunQueueClock()
        : m_fd(::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC))
    {}
    ~RunQueueClock()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    qint64 waitedNs() const
    {
        char buf[128];
        if (m_fd < 0 || ::lseek(m_fd, 0, SEEK_SET) != 0)
            return -1;
        const ssize_t n = ::read(m_fd, buf, sizeof buf - 1);
        if (n <= 0)
            return -1;
        buf[n] = 0;
        unsigned long long run = 0, wait = 0;
        return std::sscanf(buf, "%llu %llu", &run, &wait) == 2 ? qint64(wait) : -1;
    }

private:
    int m_fd;
};

/// Records the gaps (ms) between the ticks of a 5 ms timer in the current thread, and for
/// each gap the CPU time this thread used in it and the time it waited for a CPU (preempted
/// by, or queued behind, other processes), to tell our own work from the machine's load.
class StallProbe : public QObject
{
public:
    struct Gap
    {
        double ms = 0;
        double cpuMs = 0;  ///< this thread on the CPU
        double waitMs = 0; ///< this thread runnable, waiting for a CPU
        double ownMs() const { return ms - std::max(0.0, waitMs); }
    };
    StallProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(5);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] { tick(); });
    }
    void start()
    {
        m_gaps.clear();
        m_clock.start();
        m_last = 0;
        m_lastCpu = threadCpuNs();
        m_lastWait = m_runQueue.waitedNs();
        m_timer.start();
    }
    void stop()
    {
        m_timer.stop();
        // The time since the last tick counts too: a stall at the very end is still a stall.
        tick();
    }
    double longest() const { return longestGap().ms; }
    /// The longest gap with what it was made of.
    Gap longestGap() const
    {
        return *std::max_element(m_gaps.cbegin(), m_gaps.cend(),
                                 [](const Gap &a, const Gap &b) { return a.ms < b.ms; });
    }
    /// The longest gap less the time spent waiting for a CPU in it: the stall this thread
    /// would have had on an idle machine (its own work, disk and lock waits included).
    double longestOwn() const
    {
        double m = 0;
        for (const Gap &g : m_gaps)
            m = std::max(m, g.ownMs());
        return m;
    }
    /// The most CPU time this thread used within one gap.
    double longestCpu() const
    {
        double m = 0;
        for (const Gap &g : m_gaps)
            m = std::max(m, g.cpuMs);
        return m;
    }
    double percentile(double p) const
    {
        QList<double> v;
        for (const Gap &g : m_gaps)
            v << g.ms;
        std::sort(v.begin(), v.end());
        return v[std::min<qsizetype>(v.size() - 1, qsizetype(double(v.size()) * p))];
    }
    qsizetype ticks() const { return m_gaps.size(); }
    /// Gaps longer than `ms`.
    qsizetype over(double ms) const
    {
        return std::count_if(m_gaps.cbegin(), m_gaps.cend(),
                             [ms](const Gap &g) { return g.ms > ms; });
    }

private:
    void tick()
    {
        const qint64 now = m_clock.nsecsElapsed();
        const qint64 cpu = threadCpuNs();
        const qint64 wait = m_runQueue.waitedNs();
        Gap g;
        g.ms = double(now - m_last) / 1e6;
        g.cpuMs = double(cpu - m_lastCpu) / 1e6;
        g.waitMs = wait >= 0 && m_lastWait >= 0 ? double(wait - m_lastWait) / 1e6 : -1;
        m_gaps << g;
        m_last = now;
        m_lastCpu = cpu;
        m_lastWait = wait;
    }
    QTimer m_timer;
    QElapsedTimer m_clock;
    RunQueueClock m_runQueue;
    qint64 m_last = 0;
    qint64 m_lastCpu = 0;
    qint64 m_lastWait = 0;
    QList<Gap> m_gaps;
};

/// Prints the probe's figures as `stall_<phase>_...` lines.
void printProbe(const QString &phase, const StallProbe &probe)
{
    const StallProbe::Gap g = probe.longestGap();
    auto key = [&](const char *name) {
        return QStringLiteral("stall_%1_%2=").arg(phase, QLatin1String(name));
    };
    print(key("max_ms") + fmt(g.ms, 2));
    print(key("max_cpu_ms") + fmt(g.cpuMs, 2));
    print(key("max_runqueue_ms") + fmt(g.waitMs, 2));
    print(key("own_max_ms") + fmt(probe.longestOwn(), 2));
    print(key("cpu_max_ms") + fmt(probe.longestCpu(), 2));
    print(key("p99_ms") + fmt(probe.percentile(0.99), 2));
    print(key("over16") + QString::number(probe.over(16)));
    print(key("ticks") + QString::number(probe.ticks()));
}

int cmdStall(const QStringList &args)
{
    const int count = arg(args, QStringLiteral("count"), QStringLiteral("1000")).toInt();
    const int attach = arg(args, QStringLiteral("attach"), QStringLiteral("102400")).toInt();
    const QString host = arg(args, QStringLiteral("host"), QStringLiteral("127.0.0.1"));
    const quint16 port = quint16(arg(args, QStringLiteral("port")).toUInt());
    if (port == 0)
        fail(QStringLiteral("stall needs --port"));
    QTemporaryDir tmp;
    const QString dir = arg(args, QStringLiteral("data-dir"), tmp.path());
    MemoryCredentialStore credentials;
    StallProbe probe;

    // (1) composition and queueing, one message per event-loop turn.
    {
        auto s = openService(dir, &credentials, false, false);
        // Nothing is sent yet, but the writes go where the app's go: to the storage thread (a
        // Service that does not dispatch writes on the calling thread otherwise).
        if (!s->storage()->useWorkerThread())
            fail(QStringLiteral("the storage thread cannot open the outbox"));
        ensureAccount(s.get(), QStringLiteral("bench"), host, port, Security::None, {});
        mime::Draft draft;
        draft.from = {QStringLiteral("Bench"), QStringLiteral("bench@example.org")};
        draft.to = {{QStringLiteral("Sink"), QStringLiteral("sink@example.net")}};
        draft.subject = QStringLiteral("bench message with an attachment");
        draft.textBody = QStringLiteral("See the attached file.\n");
        mime::Attachment a;
        a.fileName = QStringLiteral("data.bin");
        a.mimeType = QStringLiteral("application/octet-stream");
        a.content.resize(attach);
        QRandomGenerator rng(7);
        for (char &c : a.content)
            c = char(rng.bounded(256));
        draft.attachments = {a};
        // As the compose window does: Service::enqueueAsync, one message per event-loop turn;
        // the phase ends once the last one is durable (enqueued).
        int queued = 0;
        int stored = 0;
        QObject ctx;
        QObject::connect(s.get(), &Service::enqueued, &ctx, [&] { ++stored; });
        QObject::connect(s.get(), &Service::enqueueFailed, &ctx, [&](quint64, const QString &e) {
            fail(QStringLiteral("Service::enqueueAsync: %1").arg(e));
        });
        QElapsedTimer t;
        timedApp()->startTiming();
        probe.start();
        t.start();
        QTimer next;
        QObject::connect(&next, &QTimer::timeout, [&] {
            QString error;
            if (!s->enqueueAsync(QStringLiteral("bench"), draft, &error))
                fail(QStringLiteral("Service::enqueueAsync: %1").arg(error));
            if (++queued == count)
                next.stop();
        });
        next.start(0);
        spin([&] { return stored == count; }, 600000);
        const qint64 ns = t.nsecsElapsed();
        probe.stop();
        for (const QString &w : timedApp()->stopTiming())
            print(QStringLiteral("stall_compose_slowest=") + w);
        print(QStringLiteral("stall_compose_count=%1").arg(count));
        print(QStringLiteral("stall_compose_ms=%1").arg(fmt(double(ns) / 1e6)));
        printProbe(QStringLiteral("compose"), probe);
    }

    // (2) the flush through Service / Dispatcher / Transport.
    auto s = openService(dir, &credentials, false, true);
    const qint64 bytes = s->outbox()->list(MessageState::Queued).value(0).size;
    // Done when the dispatcher says it is idle: no polling of the store in this thread.
    bool idle = false;
    QObject ctx;
    QObject::connect(s.get(), &Service::activityChanged, &ctx, [&](bool busy) { idle = !busy; });
    QElapsedTimer t;
    timedApp()->startTiming();
    probe.start();
    t.start();
    s->flush();
    spin([&] { return idle; }, 600000);
    const qint64 ns = t.nsecsElapsed();
    bool finished = false;
    QObject::connect(s.get(), &Service::shutdownFinished, &ctx, [&] { finished = true; });
    s->shutdown(10000);
    spin([&] { return finished; }, 15000);
    probe.stop();
    const QStringList slowest = timedApp()->stopTiming();
    if (s->outbox()->count(MessageState::Sent) != count)
        fail(QStringLiteral("the messages were not sent (%1 of %2)")
                 .arg(s->outbox()->count(MessageState::Sent))
                 .arg(count));
    for (const QString &w : slowest)
        print(QStringLiteral("stall_flush_slowest=") + w);
    print(QStringLiteral("stall_flush_count=%1").arg(count));
    print(QStringLiteral("stall_flush_message_octets=%1").arg(bytes));
    print(QStringLiteral("stall_flush_ms=%1").arg(fmt(double(ns) / 1e6)));
    print(QStringLiteral("stall_flush_rate=%1").arg(fmt(rate(count, ns))));
    printProbe(QStringLiteral("flush"), probe);
    return 0;
}
} // namespace

/// retention --data-dir D: one retention run (Retention on a storage thread, as in the app) over
/// an outbox filled with `fill --sent-days-ago`, while a trivial write job is handed over every
/// 5 ms: how long the run takes, the file's size before and after, and the longest a write
/// waited for the storage thread meanwhile (what a claim or a new message would wait).
int cmdRetention(const QStringList &args)
{
    const QString dir = arg(args, QStringLiteral("data-dir"));
    if (dir.isEmpty())
        fail(QStringLiteral("retention needs --data-dir"));
    const QString path = QDir(dir).filePath(QStringLiteral("outbox.sqlite"));
    Database db;
    QString error;
    if (!db.open(path, &error))
        fail(error);
    Storage storage(&db, SystemClock::instance());
    if (!storage.useWorkerThread({}, &error))
        fail(error);
    Settings settings(&db, &storage);
    Retention retention(&storage, &settings, SystemClock::instance());
    const qint64 before = cleanup::fileBytes(path);
    QElapsedTimer t;
    t.start();
    qint64 worstWaitNs = 0;
    int probes = 0;
    QTimer probe;
    probe.setInterval(5);
    QObject::connect(&probe, &QTimer::timeout, &probe, [&] {
        const qint64 handed = t.nsecsElapsed();
        storage.write([](StorageWriter &) {}, &probe,
                      [&, handed] {
                          worstWaitNs = std::max(worstWaitNs, t.nsecsElapsed() - handed);
                          ++probes;
                      });
    });
    CleanupReport report;
    QEventLoop loop;
    QObject::connect(&retention, &Retention::finished, &loop, [&](const CleanupReport &r) {
        report = r;
        loop.quit();
    });
    probe.start();
    retention.run();
    loop.exec();
    const qint64 ns = t.nsecsElapsed();
    probe.stop();
    storage.drain();
    if (!report.ok())
        fail(report.error);
    print(QStringLiteral("retention_dropped=%1").arg(report.contentDropped));
    print(QStringLiteral("retention_ms=%1").arg(fmt(double(ns) / 1e6)));
    print(QStringLiteral("retention_pages=%1").arg(report.pagesReturned));
    print(QStringLiteral("retention_bytes_before=%1").arg(before));
    print(QStringLiteral("retention_bytes_after=%1").arg(cleanup::fileBytes(path)));
    print(QStringLiteral("retention_worst_write_wait_ms=%1").arg(fmt(double(worstWaitNs) / 1e6)));
    print(QStringLiteral("retention_probes=%1").arg(probes));
    return 0;
}

int main(int argc, char **argv)
{
    TimedApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    const QString cmd = args.value(0);
    if (cmd == QLatin1String("fill"))
        return cmdFill(args);
    if (cmd == QLatin1String("enqueue"))
        return cmdEnqueue(args);
    if (cmd == QLatin1String("open"))
        return cmdOpen(args);
    if (cmd == QLatin1String("quit"))
        return cmdQuit(args);
    if (cmd == QLatin1String("listjson"))
        return cmdListJson(args);
    if (cmd == QLatin1String("stall"))
        return cmdStall(args);
    if (cmd == QLatin1String("search"))
        return cmdSearch(args);
    if (cmd == QLatin1String("retention"))
        return cmdRetention(args);
    fail(QStringLiteral("usage: outpost_bench "
                        "fill|enqueue|open|listjson|quit|stall|search|retention [options] (see the "
                        "source)"));
}
