"""The chat-model layer the LLM backends share: OpenAI-compatible servers and local transformers."""
