"""Answering: extractive (offline) and LLM (OpenAI-compatible) answerers, prompts and citation checks."""
