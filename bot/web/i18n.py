"""Chinese for the strings Gradio's own frontend shows on the chat page (buttons, labels, status).

Gradio picks its UI language from the browser and has no Chinese for some of its strings ("Copy message"). The
chat page is Chinese whatever the browser's language, so the same Chinese is given for every locale Gradio
knows. Keys are Gradio's translation keys (``<namespace>.<key>``, see gradio/templates/frontend/assets/en-*.js).
Labels Gradio writes without a key are set by ``static/ui.js``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gradio as gr

#: the locales of Gradio 6's frontend (gradio/templates/frontend/assets/<locale>-*.js) and the fallback
GRADIO_LOCALES = (
    *("ar", "ca", "ckb", "de", "en", "es", "et", "eu", "fa", "fi", "fr", "he", "hi", "id", "ja", "ko", "lt"),
    *("nb", "nl", "pl", "pt-BR", "pt", "ro", "ru", "sv", "ta", "th", "tr", "uk", "ur", "uz", "zh-CN", "zh-TW"),
)

CHINESE: dict[str, str] = {
    "chatbot.copy_message": "复制",
    "chatbot.copied_message": "已复制",
    "chatbot.like": "有帮助",
    "chatbot.dislike": "没帮助",
    "chatbot.clear": "清空对话",
    "chatbot.edit": "编辑",
    "chatbot.retry": "重试",
    "chatbot.undo": "撤销",
    "chatbot.submit": "提交",
    "chatbot.cancel": "取消",
    "chatbot.complete": "完成",
    "chat_interface.chatbot": "对话",
    "chat_interface.conversation": "对话记录",
    "chat_interface.new_chat": "新对话",
    "chat_interface.message_placeholder": "请输入问题…",
    "common.loading": "加载中",
    "common.error": "出错了",
    "common.clear": "清空",
    "common.copy": "复制",
    "common.submit": "提交",
    "common.undo": "撤销",
    "common.edit": "编辑",
    "common.empty": "空",
    "common.remove": "删除",
    "common.download": "下载",
    "common.settings": "设置",
    "common.language": "语言",
    "common.progress": "进度",
    "common.run": "运行",
    "errors.lost_connection": "与服务器的连接中断，正在重新连接…",
    "errors.connection_can_break": "在手机上，切换页面或锁屏可能中断连接。",
    "errors.long_requests_queue": "排队的请求较多，请稍候。",
    "errors.waiting_for_inputs": "正在等待文件上传完成，请重试。",
}


def gradio_i18n() -> gr.I18n:
    import gradio as gr

    return gr.I18n(**{locale: dict(CHINESE) for locale in GRADIO_LOCALES})


__all__ = ["CHINESE", "GRADIO_LOCALES", "gradio_i18n"]
