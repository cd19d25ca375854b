// A secret shown once (an API key, a webhook's signing secret): copying it,
// and closing the dialog that shows it only once the user has it or says so.
import { ElMessage, ElMessageBox } from 'element-plus'

/** Copies text to the clipboard; without the clipboard API (plain http),
 * selects it in the input el and uses the old command. Says how it went;
 * returns whether it was copied. */
export async function copySecret(text, el) {
  if (!text) return false
  let copied = false
  try {
    await navigator.clipboard.writeText(text)
    copied = true
  } catch (e) {
    if (el) {
      el.focus()
      el.select()
      try {
        copied = document.execCommand('copy')
      } catch (e2) {
        copied = false
      }
    }
    if (!copied) ElMessage.warning('无法自动复制，请按 Ctrl+C 复制已选中的密钥')
  }
  if (copied) ElMessage.success('密钥已复制到剪贴板')
  return copied
}

/** Whether the dialog showing what (e.g. '密钥') may close: yes once copied,
 * else when the user confirms it will not be shown again. */
export async function mayCloseSecret(copied, what) {
  if (copied) return true
  try {
    await ElMessageBox.confirm(`还没有复制${what}。关闭后将无法再次查看，确定关闭？`, '关闭', {
      confirmButtonText: '关闭', cancelButtonText: '返回复制', type: 'warning',
    })
    return true
  } catch (e) {
    return false
  }
}
