"""Request and response types, one module per API area, loaded on first use.

``from r9s.models import ChatCompletion`` works; so does ``r9s.models.ChatCompletion``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from r9s.models._base import ResponseModel
    from r9s.models.chat import (
        ChatCompletion,
        ChatCompletionAnnotation,
        ChatCompletionAudio,
        ChatCompletionAudioParam,
        ChatCompletionChoice,
        ChatCompletionChunk,
        ChatCompletionFunctionCall,
        ChatCompletionMessage,
        ChatCompletionMessageToolCall,
        ChatCompletionRequest,
        ChatCompletionResponse,
        ChatCompletionStreamChoice,
        ChatCompletionStreamDelta,
        ChatCompletionStreamEvent,
        ChatCompletionTokenLogprob,
        ChatCompletionTopLogprob,
        ChatCompletionURLCitation,
        ChoiceDelta,
        ChoiceDeltaToolCall,
        ChoiceDeltaToolCallFunction,
        ChoiceLogprobs,
        CompletionTokensDetails,
        FinishReason,
        FunctionCall,
        ImageURL,
        JsonSchema,
        Message,
        MessageContent,
        PromptTokensDetails,
        ResponseFormat,
        StreamOptions,
        Tool,
        ToolCall,
        ToolChoice,
        ToolChoiceFunction,
        ToolFunction,
        Usage,
    )
    from r9s.models.completions import (
        Completion,
        CompletionChoice,
        CompletionChunk,
        CompletionLogprobs,
        CompletionRequest,
        CompletionResponse,
        CompletionStreamChoice,
        CompletionStreamEvent,
    )
    from r9s.models.edits import (
        Edit,
        EditChoice,
        EditRequest,
        EditResponse,
    )
    from r9s.models.embeddings import (
        Base64Embedding,
        Base64EmbeddingResponse,
        CreateEmbeddingResponse,
        Embedding,
        EmbeddingInput,
        EmbeddingObject,
        EmbeddingRequest,
        EmbeddingResponse,
        EmbeddingUsage,
        EngineEmbeddingRequest,
    )
    from r9s.models.errors import ErrorBody, ErrorDetail
    from r9s.models.model_info import Model, ModelListResponse
    from r9s.models.moderations import (
        ModerationCategories,
        ModerationCategoryScores,
        ModerationCreateResponse,
        ModerationRequest,
        ModerationResponse,
        ModerationResult,
    )
    from r9s.models.search import (
        SearchRequest,
        SearchResponse,
    )

# name -> module that defines it (kept in step with the modules by a test)
_EXPORTS: dict[str, str] = {
    "ResponseModel": "_base",
    "ErrorBody": "errors",
    "ErrorDetail": "errors",
    "Model": "model_info",
    "ModelListResponse": "model_info",
    "ChatCompletion": "chat",
    "ChatCompletionAnnotation": "chat",
    "ChatCompletionAudio": "chat",
    "ChatCompletionAudioParam": "chat",
    "ChatCompletionChoice": "chat",
    "ChatCompletionChunk": "chat",
    "ChatCompletionFunctionCall": "chat",
    "ChatCompletionMessage": "chat",
    "ChatCompletionMessageToolCall": "chat",
    "ChatCompletionRequest": "chat",
    "ChatCompletionResponse": "chat",
    "ChatCompletionStreamChoice": "chat",
    "ChatCompletionStreamDelta": "chat",
    "ChatCompletionStreamEvent": "chat",
    "ChatCompletionTokenLogprob": "chat",
    "ChatCompletionTopLogprob": "chat",
    "ChatCompletionURLCitation": "chat",
    "ChoiceDelta": "chat",
    "ChoiceDeltaToolCall": "chat",
    "ChoiceDeltaToolCallFunction": "chat",
    "ChoiceLogprobs": "chat",
    "CompletionTokensDetails": "chat",
    "FinishReason": "chat",
    "FunctionCall": "chat",
    "ImageURL": "chat",
    "JsonSchema": "chat",
    "Message": "chat",
    "MessageContent": "chat",
    "PromptTokensDetails": "chat",
    "ResponseFormat": "chat",
    "StreamOptions": "chat",
    "Tool": "chat",
    "ToolCall": "chat",
    "ToolChoice": "chat",
    "ToolChoiceFunction": "chat",
    "ToolFunction": "chat",
    "Usage": "chat",
    "Completion": "completions",
    "CompletionChoice": "completions",
    "CompletionChunk": "completions",
    "CompletionLogprobs": "completions",
    "CompletionRequest": "completions",
    "CompletionResponse": "completions",
    "CompletionStreamChoice": "completions",
    "CompletionStreamEvent": "completions",
    "Edit": "edits",
    "EditChoice": "edits",
    "EditRequest": "edits",
    "EditResponse": "edits",
    "Base64Embedding": "embeddings",
    "Base64EmbeddingResponse": "embeddings",
    "CreateEmbeddingResponse": "embeddings",
    "Embedding": "embeddings",
    "EmbeddingInput": "embeddings",
    "EmbeddingObject": "embeddings",
    "EmbeddingRequest": "embeddings",
    "EmbeddingResponse": "embeddings",
    "EmbeddingUsage": "embeddings",
    "EngineEmbeddingRequest": "embeddings",
    "ModerationCategories": "moderations",
    "ModerationCategoryScores": "moderations",
    "ModerationCreateResponse": "moderations",
    "ModerationRequest": "moderations",
    "ModerationResponse": "moderations",
    "ModerationResult": "moderations",
    "SearchRequest": "search",
    "SearchResponse": "search",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'r9s.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"r9s.models.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
