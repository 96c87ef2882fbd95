"""The last step: tell people what happened — an e-mail text and an AWS Chatbot custom notification.

One SNS publish (``MessageStructure=json``) carries both: the ``email`` key is the plain-text report for e-mail
subscribers, ``default`` the Chatbot custom notification JSON for everything else. Modules, one job each:

- :mod:`~mailauth.notify.state`: read the workflow state (parse_state, outcome_of, domain_of, the subject)
- :mod:`~mailauth.notify.advice`: next steps, and the diagnosis of a failure keyed on the error's class
- :mod:`~mailauth.notify.email_text`: the plain-text report for e-mail
- :mod:`~mailauth.notify.chatbot`: the Chatbot custom notification (Slack mrkdwn)
- :mod:`~mailauth.notify.announce`: the "records to create at your DNS provider" message
- :mod:`~mailauth.notify.offboarding`: the offboarding report
- :mod:`~mailauth.notify.compose`: which of those messages the state calls for
- :mod:`~mailauth.notify.message`: the Message and its SNS body within SNS's size limit
- :mod:`~mailauth.notify.text`: the text helpers they (and :mod:`mailauth.slack`) share

This file imports none of them, so that the Slack webhook function can use :mod:`~mailauth.notify.text` without
loading the notification models.
"""
