#include "DetailsDialog.h"

#include "Icons.h"
#include "SharedWords.h"
#include "Words.h"
#include "outbox/Service.h"
#include "storage/Storage.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace outpost::ui {

namespace {
QString when(const QDateTime &t)
{
    return t.isValid() ? QLocale().toString(t.toLocalTime(), QLocale::ShortFormat) : QString();
}

QTableWidget *makeTable(const QStringList &headers, const QString &name, QWidget *parent)
{
    auto *t = new QTableWidget(0, int(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->verticalHeader()->setVisible(false);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setAccessibleName(name);
    t->setWordWrap(false);
    return t;
}
} // namespace

DetailsDialog::DetailsDialog(Service *service, qint64 id, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_id(id)
    , m_form(new QFormLayout)
{
    setWindowTitle(tr("Message details"));
    setWindowIcon(Icons::app());
    resize(760, 520);
    auto *tabs = new QTabWidget(this);
    auto *general = new QWidget(tabs);
    general->setLayout(m_form);
    tabs->addTab(general, tr("&Message"));
    m_recipients =
        makeTable({tr("Recipient"), tr("State"), tr("Server reply")}, tr("Recipients"), tabs);
    tabs->addTab(m_recipients, tr("&Recipients"));
    m_history =
        makeTable({tr("Time"), tr("Event"), tr("Problem"), tr("Server"), tr("Reply"), tr("Detail")},
                  tr("History"), tabs);
    tabs->addTab(m_history, tr("&History"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *exportButton =
        buttons->addButton(tr("&Export as .eml…"), QDialogButtonBox::ActionRole);
    connect(exportButton, &QPushButton::clicked, this, &DetailsDialog::exportRequested);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(buttons);

    connect(service->outbox(), &OutboxReader::messageChanged, this, [this](qint64 changed) {
        if (changed == m_id)
            reload();
    });
    reload();
}

void DetailsDialog::reload()
{
    while (m_form->rowCount() > 0)
        m_form->removeRow(0);
    const auto rec = m_service->outbox()->message(m_id);
    if (!rec) {
        m_form->addRow(new QLabel(tr("This message is no longer in the outbox."), this));
        m_recipients->setRowCount(0);
        m_history->setRowCount(0);
        return;
    }
    auto row = [this](const QString &label, const QString &value) {
        auto *v = new QLabel(value, this);
        v->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        v->setWordWrap(true);
        v->setAccessibleName(label);
        m_form->addRow(label, v);
    };
    QString state = Words::stateOf(*rec);
    row(tr("State:"), state);
    if (rec->uncertain)
        row(tr("Note:"), words::mayHaveBeenSent(words::Front::Window, true));
    if (rec->delivery() == Delivery::Partial) {
        // Who did not get it comes first: it is what the user must act on.
        QList<RecipientRecord> refused;
        for (const RecipientRecord &r : rec->recipients) {
            if (r.state == MessageState::Failed)
                refused << r;
        }
        row(tr("Refused:"), Words::refusedRecipients(refused));
    }
    if (const QString copy = Words::copyState(*rec); !copy.isEmpty())
        row(tr("Sent folder:"), copy);
    row(tr("Account:"), rec->account);
    row(tr("From:"), rec->fromText);
    row(tr("To:"), rec->toText);
    row(tr("Subject:"), rec->subject);
    row(tr("Message-ID:"), QString::fromUtf8(rec->messageId));
    row(tr("Size:"), Words::size(rec->size));
    if (!rec->contentKept())
        row(tr("Content:"), words::contentNotKept(*rec, words::Front::Window));
    row(tr("Created:"), when(rec->createdAt));
    if (rec->sendAt.isValid())
        row(tr("Send at:"), when(rec->sendAt));
    row(tr("Attempts:"), QString::number(rec->attempts));
    if (rec->state == MessageState::Queued && rec->nextAttemptAt.isValid())
        row(tr("Next attempt:"), when(rec->nextAttemptAt));
    if (rec->sentAt.isValid())
        row(tr("Sent:"), when(rec->sentAt));
    // Outpost's words for what happened, apart from what the server itself said.
    const QString outcome = Words::outcome(*rec);
    if (!outcome.isEmpty())
        row(tr("Outcome:"), outcome);
    const QString reply = Words::reply(rec->lastReply);
    if (!reply.isEmpty())
        row(tr("Server's reply:"), reply);
    else if (rec->attempts > 0)
        row(tr("Server's reply:"), tr("none (no reply from the server)"));
    if (!rec->lastDetail.isEmpty())
        row(tr("Detail:"), rec->lastDetail);

    m_recipients->setRowCount(int(rec->recipients.size()));
    for (int i = 0; i < rec->recipients.size(); ++i) {
        const RecipientRecord &r = rec->recipients.at(i);
        m_recipients->setItem(i, 0, new QTableWidgetItem(QString::fromUtf8(r.address)));
        auto *st = new QTableWidgetItem(Icons::state(r.state), Words::state(r.state));
        m_recipients->setItem(i, 1, st);
        m_recipients->setItem(i, 2, new QTableWidgetItem(Words::reply(r.reply)));
    }
    m_recipients->resizeColumnsToContents();

    m_history->setRowCount(int(rec->history.size()));
    for (int i = 0; i < rec->history.size(); ++i) {
        const HistoryEntry &h = rec->history.at(i);
        QString event = Words::historyEvent(h);
        if (h.uncertain && h.event != HistoryEvent::UncertainRequeued &&
            h.event != HistoryEvent::RecoveredUncertain) // their words say so
            event +=
                QStringLiteral(" (%1)").arg(words::mayHaveBeenSent(words::Front::Window, false));
        m_history->setItem(i, 0, new QTableWidgetItem(when(h.at)));
        m_history->setItem(i, 1, new QTableWidgetItem(event));
        m_history->setItem(i, 2, new QTableWidgetItem(Words::errorClass(h.errorClass)));
        m_history->setItem(i, 3, new QTableWidgetItem(h.server));
        m_history->setItem(i, 4, new QTableWidgetItem(Words::reply(h.reply)));
        QStringList detail;
        // Those two events carry their detail in their words already.
        if (!h.detail.isEmpty() && h.event != HistoryEvent::RetryRequested &&
            h.event != HistoryEvent::Unknown)
            detail << h.detail;
        for (const QString &note : h.notes)
            detail << Words::historyNote(note);
        m_history->setItem(i, 5, new QTableWidgetItem(detail.join(QLatin1Char(' '))));
    }
    m_history->resizeColumnsToContents();
}

} // namespace outpost::ui
