#include "SentFolderChooser.h"

#include "SharedWords.h"
#include "imap/ImapSession.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace outpost::ui {

SentFolderChooser::SentFolderChooser(const ImapConfig &config, const QString &current,
                                     QWidget *parent)
    : QDialog(parent)
    , m_list(new QListWidget(this))
    , m_state(new QLabel(this))
    , m_current(current)
{
    setWindowTitle(tr("Copy sent messages to"));
    resize(420, 380);
    m_state->setWordWrap(true);
    m_state->setObjectName(QStringLiteral("folderState"));
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_state->setText(tr("Connecting to %1…").arg(config.server()));
    m_list->setAccessibleName(tr("Folders"));
    m_list->setEnabled(false);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("&Choose"));
    m_ok->setEnabled(false);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_list, &QListWidget::itemDoubleClicked, this, &QDialog::accept);
    connect(m_list, &QListWidget::currentRowChanged, this,
            [this](int row) { m_ok->setEnabled(row >= 0); });
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_state);
    layout->addWidget(m_list, 1);
    layout->addWidget(buttons);

    // Not the dialog's child: closing the dialog must not cut the LOGOUT short. The session
    // deletes itself once closed.
    m_session = new ImapSession(config);
    connect(m_session, &ImapSession::closed, m_session, &QObject::deleteLater);
    connect(m_session, &ImapSession::ready, this, [this] { m_session->list(1); });
    connect(m_session, &ImapSession::openFailed, this, &SentFolderChooser::fail);
    connect(m_session, &ImapSession::listFinished, this, &SentFolderChooser::onListed);
    m_session->open();
}

SentFolderChooser::~SentFolderChooser()
{
    if (!m_session)
        return;
    disconnect(m_session, nullptr, this, nullptr);
    // Logged out (or closed) in the background, bounded by the session's logout timeout.
    if (m_session->state() == ImapSession::State::Disconnected)
        m_session->deleteLater();
    else
        m_session->logout();
}

QString SentFolderChooser::chosen() const
{
    const QListWidgetItem *item = m_list->currentItem();
    return item ? item->data(Qt::UserRole).toString() : QString();
}

void SentFolderChooser::fail(const ImapResult &result)
{
    QString text =
        tr("The folders could not be listed: %1").arg(words::imapErrorClass(result.errorClass));
    if (!result.text.isEmpty())
        text += QLatin1Char(' ') + tr("The server said: %1").arg(result.text);
    else if (!result.detail.isEmpty())
        text += QLatin1String(" (") + result.detail + QLatin1Char(')');
    m_state->setText(text);
    emit listed(false);
}

void SentFolderChooser::onListed(const ImapListResult &r)
{
    if (m_session)
        m_session->logout(); // the list is all this connection is for
    if (!r.result.ok()) {
        fail(r.result);
        return;
    }
    int select = -1;
    for (const ImapMailbox &m : r.mailboxes) {
        if (!m.isSelectable())
            continue;
        // The name as the server spells it is what APPEND needs; the decoded one is shown.
        const QString wire = QString::fromUtf8(m.name);
        QString label = m.displayName;
        if (m.hasAttribute("\\Sent"))
            label += QLatin1String("  ") + tr("(the server's Sent folder)");
        auto *item = new QListWidgetItem(label, m_list);
        item->setData(Qt::UserRole, wire);
        const bool isCurrent = !m_current.isEmpty() && wire == m_current;
        const bool isSent = r.sentFoundBy != SentFoundBy::NotFound && m.name == r.sent.name;
        if (isCurrent || (select < 0 && isSent && m_current.isEmpty()))
            select = m_list->count() - 1;
    }
    m_list->setEnabled(true);
    if (select >= 0)
        m_list->setCurrentRow(select);
    m_state->setText(m_list->count() == 0 ? tr("The server lists no folder that can hold messages.")
                                          : tr("Choose the folder for the copies of sent "
                                               "messages."));
    emit listed(true);
}

} // namespace outpost::ui
