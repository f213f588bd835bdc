#include "Commands.h"

#include "SharedWords.h"
#include "Words.h"

#include "outbox/MessageJson.h"
#include "storage/OutboxReader.h"

#include <QCommandLineParser>
#include <QJsonDocument>

namespace outpost::cli {

void List::run(const QStringList &args)
{
    QCommandLineParser p;
    if (!parse(&p, QStringLiteral("list"), args,
               {{QStringLiteral("state"), QStringLiteral("only this state"), QStringLiteral("S")},
                {QStringLiteral("search"),
                 QStringLiteral("only messages whose recipients or subject contain every word of "
                                "TEXT"),
                 QStringLiteral("TEXT")},
                {QStringLiteral("json"), QStringLiteral("JSON output")}}))
        return;
    if (strayArgument(QStringLiteral("list"), p.positionalArguments(),
                      QStringLiteral("usage: outpost list [--state S] [--search TEXT] [--json]")))
        return;
    if (const Result r = openStore(true); r != Result::Ok)
        return finish(r);
    std::optional<MessageState> filter;
    if (p.isSet(QStringLiteral("state"))) {
        MessageState s;
        if (!messageStateFromName(p.value(QStringLiteral("state")), &s))
            return fail(Result::Usage,
                        QStringLiteral("--state is draft, queued, sending, sent, failed or held"));
        filter = s;
    }
    const QString search = p.value(QStringLiteral("search"));
    Console &c = console();
    c.bufferLargeOutput();
    ReadFailure failure;
    if (p.isSet(QStringLiteral("json"))) {
        // A JSON array written element by element as the rows are read, each element by
        // QJsonDocument: the same bytes as one QJsonDocument of the whole array (tests/bench
        // listjson checks), without holding 100,000 summaries, their objects and a 38 MB
        // document in memory at once. A read that fails part way (a damaged page) leaves the
        // array unclosed: no parser takes a short list for the whole outbox.
        c.write(Console::Stream::Out, QByteArrayLiteral("["));
        bool first = true;
        json::SummaryObjects objects;
        const bool read = service()->outbox()->forEachSummary(
            filter, search,
            [&](const MessageSummary &m) {
                if (!first)
                    c.write(Console::Stream::Out, QByteArrayLiteral(","));
                first = false;
                c.write(
                    Console::Stream::Out,
                    terminalSafeJson(QJsonDocument(objects.of(m)).toJson(QJsonDocument::Compact)));
                return true;
            },
            &failure);
        if (!read) {
            c.outBytes(QByteArrayLiteral("\n"));
            return finish(readFailed(failure));
        }
        c.outBytes(QByteArrayLiteral("]\n"));
        return finish(Result::Ok);
    }
    // One line per message, fields separated by tabs: a tab, line feed or carriage return (or
    // CRLF) inside a field (a subject, a server's multi-line reply) becomes one space here, so
    // every line keeps its five fields; --json keeps the real value.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const bool read = service()->outbox()->forEachSummary(
        filter, search,
        [&](const MessageSummary &m) {
            // The last outcome, else when a scheduled message goes.
            QString outcome = words::lastOutcome(m, words::Front::Terminal);
            if (outcome.isEmpty())
                outcome = words::scheduled(m, now);
            if (m.uncertain) {
                const QString note = words::mayHaveBeenSent(words::Front::Terminal, false);
                outcome = outcome.isEmpty() ? note : outcome + QStringLiteral("; ") + note;
            }
            c.write(Console::Stream::Out,
                    printable(QStringLiteral("%1\t%2\t%3\t%4\t%5\n")
                                  .arg(m.id)
                                  .arg(messageStateName(m.state), oneLine(m.toText),
                                       oneLine(m.subject), oneLine(outcome)))
                        .toUtf8());
            return true;
        },
        &failure);
    c.flush();
    finish(read ? Result::Ok : readFailed(failure));
}

} // namespace outpost::cli
