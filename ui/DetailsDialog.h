#pragma once

#include <QDialog>

class QTableWidget;
class QFormLayout;

namespace outpost {
class Service;
}

namespace outpost::ui {

/// Everything stored about one message (OutboxReader::message): its fields, what became of
/// each recipient, and its history (attempts, server replies, user actions). Follows changes
/// of the message while open.
class DetailsDialog : public QDialog
{
    Q_OBJECT
public:
    DetailsDialog(Service *service, qint64 id, QWidget *parent = nullptr);

    qint64 messageId() const { return m_id; }
    QTableWidget *recipientsTable() const { return m_recipients; }
    QTableWidget *historyTable() const { return m_history; }

signals:
    void exportRequested();

private:
    void reload();

    Service *m_service;
    qint64 m_id;
    QFormLayout *m_form;
    QTableWidget *m_recipients;
    QTableWidget *m_history;
};

} // namespace outpost::ui
