"""For each tool: a user's existing files, and exactly what ``r9s set`` must make of them.

``{KEY}``, ``{ROOT}`` (base URL without /v1) and ``{BASE}`` (with /v1) are filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    tool: str
    flags: tuple[str, ...]  # --model / --small-model
    existing: dict[str, str]  # HOME-relative path -> content
    expected: dict[str, str]  # after `set` over `existing`
    fresh: dict[str, str]  # after `set` into an empty HOME
    key_files: frozenset[str]  # which files hold the key (mode 0600)
    malformed: dict[str, tuple[str, int]] = field(default_factory=dict)  # content, line


CLAUDE = Case(
    tool="claude-code",
    flags=("--model", "claude-sonnet-4-5", "--small-model", "claude-haiku-4-5"),
    existing={
        ".claude/settings.json": """{
  "permissions": {
    "allow": [
      "Bash(ls)"
    ]
  },
  "env": {
    "FOO": "1",
    "ANTHROPIC_API_KEY": "sk-ant-old"
  },
  "theme": "dark"
}
"""
    },
    expected={
        ".claude/settings.json": """{
  "permissions": {
    "allow": [
      "Bash(ls)"
    ]
  },
  "env": {
    "FOO": "1",
    "ANTHROPIC_BASE_URL": "{ROOT}",
    "ANTHROPIC_AUTH_TOKEN": "{KEY}",
    "ANTHROPIC_MODEL": "claude-sonnet-4-5",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL": "claude-haiku-4-5",
    "ANTHROPIC_SMALL_FAST_MODEL": "claude-haiku-4-5",
    "API_TIMEOUT_MS": "600000",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"
  },
  "theme": "dark"
}
"""
    },
    fresh={
        ".claude/settings.json": """{
  "env": {
    "ANTHROPIC_BASE_URL": "{ROOT}",
    "ANTHROPIC_AUTH_TOKEN": "{KEY}",
    "ANTHROPIC_MODEL": "claude-sonnet-4-5",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL": "claude-haiku-4-5",
    "ANTHROPIC_SMALL_FAST_MODEL": "claude-haiku-4-5",
    "API_TIMEOUT_MS": "600000",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"
  }
}
"""
    },
    key_files=frozenset({".claude/settings.json"}),
    malformed={".claude/settings.json": ('{\n  "theme": "dark",\n  "env": "oops"\n}\n', 3)},
)

CODEX = Case(
    tool="codex",
    flags=("--model", "gpt-4o"),
    existing={
        ".codex/config.toml": """# my codex config
approval_policy = "on-request"  # keep me

[mcp_servers.docs]
command = "npx"   # a comment
args = ["-y", "docs-mcp"]

[model_providers.other]
name = "Other"
base_url = "https://other.example/v1"
"""
    },
    expected={
        ".codex/config.toml": """# my codex config
approval_policy = "on-request"  # keep me
model = "gpt-4o"
model_provider = "r9s"

[mcp_servers.docs]
command = "npx"   # a comment
args = ["-y", "docs-mcp"]

[model_providers.other]
name = "Other"
base_url = "https://other.example/v1"

[model_providers.r9s]
name = "r9s"
base_url = "{BASE}"
wire_api = "responses"
experimental_bearer_token = "{KEY}"
"""
    },
    fresh={
        ".codex/config.toml": """model = "gpt-4o"
model_provider = "r9s"

[model_providers.r9s]
name = "r9s"
base_url = "{BASE}"
wire_api = "responses"
experimental_bearer_token = "{KEY}"
"""
    },
    key_files=frozenset({".codex/config.toml"}),
    malformed={".codex/config.toml": ('model = "a"\n\n[model_providers\nname = 1\n', 3)},
)

QWEN = Case(
    tool="qwen-code",
    flags=("--model", "qwen-plus"),
    existing={
        ".qwen/settings.json": """{
    "ui": {
        "theme": "GitHub"
    },
    "modelProviders": {
        "openai": [
            {
                "id": "my-model",
                "name": "mine",
                "baseUrl": "https://example.com/v1",
                "envKey": "MY_KEY"
            }
        ]
    },
    "env": {
        "MY_KEY": "x"
    }
}
"""
    },
    expected={
        ".qwen/settings.json": """{
    "ui": {
        "theme": "GitHub"
    },
    "modelProviders": {
        "openai": [
            {
                "id": "qwen-plus",
                "name": "qwen-plus",
                "baseUrl": "{BASE}",
                "envKey": "R9S_API_KEY"
            },
            {
                "id": "my-model",
                "name": "mine",
                "baseUrl": "https://example.com/v1",
                "envKey": "MY_KEY"
            }
        ]
    },
    "env": {
        "MY_KEY": "x",
        "R9S_API_KEY": "{KEY}"
    },
    "security": {
        "auth": {
            "selectedType": "openai"
        }
    },
    "model": {
        "name": "qwen-plus"
    }
}
"""
    },
    fresh={
        ".qwen/settings.json": """{
  "modelProviders": {
    "openai": [
      {
        "id": "qwen-plus",
        "name": "qwen-plus",
        "baseUrl": "{BASE}",
        "envKey": "R9S_API_KEY"
      }
    ]
  },
  "env": {
    "R9S_API_KEY": "{KEY}"
  },
  "security": {
    "auth": {
      "selectedType": "openai"
    }
  },
  "model": {
    "name": "qwen-plus"
  }
}
"""
    },
    key_files=frozenset({".qwen/settings.json"}),
    malformed={".qwen/settings.json": ('{\n  "modelProviders": {\n    "openai": {}\n  }\n}\n', 3)},
)

GEMINI = Case(
    tool="gemini-cli",
    flags=("--model", "gemini-2.5-flash"),
    existing={
        ".gemini/.env": "# my env\nOTHER=1\nexport GEMINI_API_KEY=old\n\nGEMINI_API_KEY=older\n",
        ".gemini/settings.json": """{
  "general": {
    "vimMode": true
  },
  "model": {
    "name": "gemini-2.5-pro",
    "maxSessionTurns": 10
  }
}
""",
    },
    expected={
        ".gemini/.env": (
            "# my env\nOTHER=1\nexport GEMINI_API_KEY={KEY}\n\nGOOGLE_GEMINI_BASE_URL={ROOT}\n"
        ),
        ".gemini/settings.json": """{
  "general": {
    "vimMode": true
  },
  "model": {
    "name": "gemini-2.5-flash",
    "maxSessionTurns": 10
  },
  "security": {
    "auth": {
      "selectedType": "gemini-api-key"
    }
  }
}
""",
    },
    fresh={
        ".gemini/.env": "GEMINI_API_KEY={KEY}\nGOOGLE_GEMINI_BASE_URL={ROOT}\n",
        ".gemini/settings.json": """{
  "security": {
    "auth": {
      "selectedType": "gemini-api-key"
    }
  },
  "model": {
    "name": "gemini-2.5-flash"
  }
}
""",
    },
    key_files=frozenset({".gemini/.env"}),
    # (a trailing comma is no longer malformed: Gemini's files are read as JSON with comments)
    malformed={
        ".gemini/settings.json": ('{\n  "model": {\n    "name": "x"\n    "a": 1\n  }\n}\n', 4)
    },
)

OPENCODE = Case(
    tool="opencode",
    flags=("--model", "gpt-4o", "--small-model", "gpt-4o-mini"),
    existing={
        ".config/opencode/opencode.json": """{
  "$schema": "https://opencode.ai/config.json",
  "theme": "opencode",
  "provider": {
    "ollama": {
      "npm": "@ai-sdk/openai-compatible",
      "options": {
        "baseURL": "http://127.0.0.1:11434/v1"
      }
    }
  },
  "model": "ollama/llama3"
}
"""
    },
    expected={
        ".config/opencode/opencode.json": """{
  "$schema": "https://opencode.ai/config.json",
  "theme": "opencode",
  "provider": {
    "ollama": {
      "npm": "@ai-sdk/openai-compatible",
      "options": {
        "baseURL": "http://127.0.0.1:11434/v1"
      }
    },
    "r9s": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "r9s",
      "options": {
        "baseURL": "{BASE}",
        "apiKey": "{KEY}"
      },
      "models": {
        "gpt-4o": {
          "name": "gpt-4o"
        },
        "gpt-4o-mini": {
          "name": "gpt-4o-mini"
        }
      }
    }
  },
  "model": "r9s/gpt-4o",
  "small_model": "r9s/gpt-4o-mini"
}
"""
    },
    fresh={
        ".config/opencode/opencode.json": """{
  "$schema": "https://opencode.ai/config.json",
  "provider": {
    "r9s": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "r9s",
      "options": {
        "baseURL": "{BASE}",
        "apiKey": "{KEY}"
      },
      "models": {
        "gpt-4o": {
          "name": "gpt-4o"
        },
        "gpt-4o-mini": {
          "name": "gpt-4o-mini"
        }
      }
    }
  },
  "model": "r9s/gpt-4o",
  "small_model": "r9s/gpt-4o-mini"
}
"""
    },
    key_files=frozenset({".config/opencode/opencode.json"}),
    malformed={".config/opencode/opencode.json": ("[1, 2]\n", 1)},
)

CASES = [CLAUDE, CODEX, QWEN, GEMINI, OPENCODE]
