"""Structured outputs and tools, over the three wire formats (chat, responses, messages).

``schema`` turns a Python type into the JSON schema each format wants and parses answers
back; ``wire`` knows each format's shapes (where the schema goes, where the answer or a
tool call is, how a tool result is sent back); ``parse`` runs a structured call with its
strategies; ``stream`` adds the partial object to a stream's events; ``runner`` runs the
tool loop. Each is written once for sync and async: the resources drive them through
their ``_call``/``_stream`` bridges.
"""
