#include "AddressField.h"

#include "storage/AddressBook.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QLabel>
#include <QLineEdit>
#include <QStringListModel>
#include <QVBoxLayout>

namespace outpost::ui {

namespace {
// Where the address being typed starts: after the last separator outside quotes and <>.
qsizetype currentTokenStart(const QString &text)
{
    bool quoted = false;
    int angle = 0;
    qsizetype start = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('\\') && quoted) {
            ++i;
        } else if (c == QLatin1Char('"')) {
            quoted = !quoted;
        } else if (!quoted && c == QLatin1Char('<')) {
            ++angle;
        } else if (!quoted && c == QLatin1Char('>')) {
            angle = std::max(0, angle - 1);
        } else if (!quoted && angle == 0 && (c == QLatin1Char(',') || c == QLatin1Char(';'))) {
            start = i + 1;
        }
    }
    return start;
}
} // namespace

AddressField::AddressField(const AddressBook *store, bool single, QWidget *parent)
    : QWidget(parent)
    , m_store(store)
    , m_single(single)
    , m_edit(new QLineEdit(this))
    , m_errorLabel(new QLabel(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_edit);
    layout->addWidget(m_errorLabel);
    m_edit->setClearButtonEnabled(true);
    m_edit->setPlaceholderText(single ? tr("Name <address@example.org>")
                                      : tr("address@example.org, Name <other@example.org>"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setVisible(false);
    QPalette pal = m_errorLabel->palette();
    pal.setColor(QPalette::WindowText, QColor(0xc0, 0x1c, 0x1c));
    m_errorLabel->setPalette(pal);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_edit->setObjectName(QStringLiteral("addressEdit"));
    m_errorLabel->setObjectName(QStringLiteral("addressError"));

    if (m_store && !m_single) {
        m_completions = new QStringListModel(this);
        m_completer = new QCompleter(m_completions, this);
        m_completer->setWidget(m_edit);
        m_completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
        m_completer->setCaseSensitivity(Qt::CaseInsensitive);
        connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this,
                &AddressField::insertCompletion);
        connect(m_edit, &QLineEdit::textEdited, this, &AddressField::updateCompletions);
    }
    connect(m_edit, &QLineEdit::textChanged, this, [this] {
        revalidate();
        emit textChanged();
    });
    connect(m_edit, &QLineEdit::editingFinished, this, [this] {
        m_touched = true;
        revalidate();
    });
    revalidate();
}

QString AddressField::text() const
{
    return m_edit->text();
}

void AddressField::setText(const QString &text)
{
    m_edit->setText(text);
}

bool AddressField::isEmpty() const
{
    return m_edit->text().trimmed().isEmpty();
}

void AddressField::setRequired(bool required)
{
    m_required = required;
    revalidate();
}

void AddressField::setAccessibleName(const QString &name)
{
    m_edit->setAccessibleName(name);
    m_errorLabel->setAccessibleName(tr("%1: problem").arg(name));
}

void AddressField::revalidate()
{
    const bool wasValid = m_error.isEmpty();
    m_result = mime::parseAddressList(m_edit->text());
    QString error;
    if (!m_result.ok()) {
        error = m_result.error;
    } else if (m_result.mailboxes.isEmpty()) {
        // An empty field: only a problem once the user left it (no red frame while starting).
        if (m_required)
            error = tr("An address is needed here.");
    } else if (m_single && m_result.mailboxes.size() > 1) {
        error = tr("Only one address is allowed here.");
    }
    m_error = error;
    if (!error.isEmpty())
        m_result.mailboxes.clear();
    // Show a missing required address only after the field was left once; a wrong address
    // at once.
    const bool show = !error.isEmpty() && (!m_result.ok() || m_touched || !isEmpty());
    m_errorLabel->setText(show ? error : QString());
    m_errorLabel->setVisible(show);
    m_edit->setStyleSheet(
        show ? QStringLiteral("QLineEdit { border: 2px solid #c01c1c; border-radius: 3px; }")
             : QString());
    m_edit->setToolTip(show ? error : QString());
    if (wasValid != m_error.isEmpty())
        emit validityChanged(m_error.isEmpty());
}

void AddressField::updateCompletions(const QString &text)
{
    const QString token = text.mid(currentTokenStart(text)).trimmed();
    if (token.size() < 1) {
        m_completer->popup()->hide();
        return;
    }
    QStringList found = m_store->completions(token, 12);
    found.removeAll(token);
    m_completions->setStringList(found);
    if (found.isEmpty()) {
        m_completer->popup()->hide();
        return;
    }
    m_completer->complete();
}

void AddressField::insertCompletion(const QString &completion)
{
    const QString text = m_edit->text();
    QString head = text.left(currentTokenStart(text));
    if (!head.isEmpty() && !head.endsWith(QLatin1Char(' ')))
        head += QLatin1Char(' ');
    m_edit->setText(head + completion + QLatin1String(", "));
}

} // namespace outpost::ui
