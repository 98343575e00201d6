"""Request and response types, one module per API area, loaded on first use.

``from r9s.models import ChatCompletion`` works; so does ``r9s.models.ChatCompletion``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from r9s.models._base import ResponseModel
    from r9s.models.chat import (
        ChatCompletion as ChatCompletion,
        ChatCompletionAnnotation as ChatCompletionAnnotation,
        ChatCompletionAudio as ChatCompletionAudio,
        ChatCompletionAudioParam as ChatCompletionAudioParam,
        ChatCompletionChoice as ChatCompletionChoice,
        ChatCompletionChunk as ChatCompletionChunk,
        ChatCompletionFunctionCall as ChatCompletionFunctionCall,
        ChatCompletionMessage as ChatCompletionMessage,
        ChatCompletionMessageToolCall as ChatCompletionMessageToolCall,
        ChatCompletionRequest as ChatCompletionRequest,
        ChatCompletionResponse as ChatCompletionResponse,
        ChatCompletionStreamChoice as ChatCompletionStreamChoice,
        ChatCompletionStreamDelta as ChatCompletionStreamDelta,
        ChatCompletionStreamEvent as ChatCompletionStreamEvent,
        ChatCompletionTokenLogprob as ChatCompletionTokenLogprob,
        ChatCompletionTopLogprob as ChatCompletionTopLogprob,
        ChatCompletionURLCitation as ChatCompletionURLCitation,
        ChoiceDelta as ChoiceDelta,
        ChoiceDeltaToolCall as ChoiceDeltaToolCall,
        ChoiceDeltaToolCallFunction as ChoiceDeltaToolCallFunction,
        ChoiceLogprobs as ChoiceLogprobs,
        CompletionTokensDetails as CompletionTokensDetails,
        FinishReason as FinishReason,
        FunctionCall as FunctionCall,
        ImageURL as ImageURL,
        JsonSchema as JsonSchema,
        Message as Message,
        MessageContent as MessageContent,
        PromptTokensDetails as PromptTokensDetails,
        ResponseFormat as ResponseFormat,
        StreamOptions as StreamOptions,
        Tool as Tool,
        ToolCall as ToolCall,
        ToolChoice as ToolChoice,
        ToolChoiceFunction as ToolChoiceFunction,
        ToolFunction as ToolFunction,
        Usage as Usage,
    )
    from r9s.models.completions import (
        Completion as Completion,
        CompletionChoice as CompletionChoice,
        CompletionChunk as CompletionChunk,
        CompletionLogprobs as CompletionLogprobs,
        CompletionRequest as CompletionRequest,
        CompletionResponse as CompletionResponse,
        CompletionStreamChoice as CompletionStreamChoice,
        CompletionStreamEvent as CompletionStreamEvent,
    )
    from r9s.models.edits import (
        Edit as Edit,
        EditChoice as EditChoice,
        EditRequest as EditRequest,
        EditResponse as EditResponse,
    )
    from r9s.models.embeddings import (
        Base64Embedding as Base64Embedding,
        Base64EmbeddingResponse as Base64EmbeddingResponse,
        CreateEmbeddingResponse as CreateEmbeddingResponse,
        Embedding as Embedding,
        EmbeddingInput as EmbeddingInput,
        EmbeddingObject as EmbeddingObject,
        EmbeddingRequest as EmbeddingRequest,
        EmbeddingResponse as EmbeddingResponse,
        EmbeddingUsage as EmbeddingUsage,
        EngineEmbeddingRequest as EngineEmbeddingRequest,
    )
    from r9s.models.errors import ErrorBody, ErrorDetail
    from r9s.models.model_info import Model, ModelListResponse
    from r9s.models.moderations import (
        ModerationCategories as ModerationCategories,
        ModerationCategoryScores as ModerationCategoryScores,
        ModerationCreateResponse as ModerationCreateResponse,
        ModerationRequest as ModerationRequest,
        ModerationResponse as ModerationResponse,
        ModerationResult as ModerationResult,
    )
    from r9s.models.search import (
        SearchRequest as SearchRequest,
        SearchResponse as SearchResponse,
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
